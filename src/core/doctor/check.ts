import type { LoadedConfig } from '../../config/load-config.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { Connection } from '../../runtime/connection.js';
import type { EngineInfo } from '../../runtime/engine-operations.js';
import type { AgentctlError } from '../../shared/errors.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One line of `agentctl doctor`: what was checked, how it went, and the fix when it did not. */
export interface CheckResult {
  /** The shared checks, or a backend's own (`namespace`, `permissions` on Kubernetes). */
  id: 'engine' | 'socket' | 'image' | 'disk' | 'config' | 'git' | 'ssh-agent' | (string & {});
  title: string;
  status: CheckStatus;
  message: string;
  /** One concrete next step (for warn and fail). */
  fix?: string;
  details?: Record<string, unknown>;
}

/** What doctor needs from the world; src/commands/doctor.ts passes the real ones, tests fakes. */
export interface DoctorDeps {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  hostname: string;
  /** The current directory: the workspace `start` uses by default (its access is checked). */
  cwd?: string;
  /** agentctl's own uid/gid (undefined on Windows). */
  hostUser?: { uid: number; gid: number };
  connect(): Promise<{ runtime: ContainerRuntime; detected: Connection }>;
  config(): Promise<LoadedConfig>;
  fs: {
    /** undefined when the path does not exist. */
    stat(path: string): Promise<{ mode: number; uid: number; gid: number; isSocket: boolean } | undefined>;
    /** Whether this process may read and write the path. */
    canReadWrite(path: string): Promise<boolean>;
    /** Bytes free for an unprivileged user on the filesystem holding path. */
    freeBytes(path: string): Promise<number>;
  };
  /** Runs a program; rejects when it cannot be run or fails. */
  exec(file: string, args: string[]): Promise<{ stdout: string }>;
  /** HTTP status of a GET (any status resolves); rejects on network failure or timeout. */
  fetchStatus(url: string, timeoutMs: number): Promise<number>;
}

/** What the engine check learnt, shared by the checks that need the engine. */
export interface EngineFacts {
  connected?: { runtime: ContainerRuntime; detected: Connection };
  info?: EngineInfo;
  error?: AgentctlError;
  config?: LoadedConfig;
}
