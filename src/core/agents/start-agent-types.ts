import type { Config } from '../../config/schema.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { EngineInfo } from '../../runtime/engine-operations.js';
import type { AgentEgressDeps } from '../egress/agent-egress.js';
import type { Loosening } from './loosenings.js';
import type { ImageFacts } from './recorded-image.js';
import type { StartAgentOptions } from './start-options.js';
import type { StartOutcome } from './wait-running.js';

/** What `startAgent` / `prepareAgent` (start-agent.ts) take and give. */
export interface ResolvedAgentImage {
  reference: string;
  source: string;
  id: string;
  digest: string | null;
  user?: string;
  /** The image's default command, when known (what a resumable agent runs when not resuming). */
  command?: string[];
}

export interface StartAgentDeps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  config: Config;
  signal?: AbortSignal;
  /** Connects to the engine (called only once the command line checked out). */
  runtime(): Promise<ContainerRuntime>;
  resolveImage(
    runtime: ContainerRuntime,
    request: { image?: string; agent?: string; pull?: StartAgentOptions['pull']; useLocal?: boolean },
  ): Promise<ResolvedAgentImage>;
  registerSecret(value: string): void;
  log(message: string): void;
  /** A warning the user always sees (stderr, even with --quiet): each loosening of an agent's confinement. */
  warn?(message: string): void;
  /** agentctl's own uid/gid (process.getuid); undefined on Windows. */
  hostUser?: { uid: number; gid: number };
  /** The user's home directory (default data and worktree paths); default os.homedir(). */
  homedir?: string;
  /** The engine's info (rootless, SELinux); default runtime.fetchEngineInfo(). The CLI caches it (slow on Podman). */
  engineInfo?(runtime: ContainerRuntime): Promise<EngineInfo>;
  /** Kills processes a removed half-made container left on this machine; returns their pids (container-process.ts). */
  reapProcesses?(runtime: ContainerRuntime, containerId: string): Promise<number[]>;
  /** The egress gateway's proxy program (and more upstream CAs): for policies allowlist and learn. */
  gatewayFiles?: AgentEgressDeps['gatewayFiles'];
  /** The images' CA bundles seen before (egress: the agent's CA files go in with its other files). */
  imageBundles?: AgentEgressDeps['imageBundles'];
  /** The gateways' CA certificates seen before (egress: nothing read from the gateway at a start). */
  gatewayCerts?: AgentEgressDeps['gatewayCerts'];
}

export interface StartedAgent extends ImageFacts {
  name: string;
  container: string;
  id: string;
  /** An existing stopped agent was started again (its configuration unchanged). */
  resumed: boolean;
  image: string;
  workspace: string;
  volume: string;
  user: string;
  health?: string;
  /** What this agent gets beyond the hardened default (host network, engine socket, …): loosenings.ts. */
  loosened: Loosening[];
  /** With a worktree: its host path. */
  worktree?: string;
  /** The agent's branch (every writing agent on a git checkout has its own). */
  branch?: string;
  /**
   * Detached starts: `running`, or `exited` when its command already ran and ended (a result,
   * not a failed start: the container and its logs are kept), with `exitCode` and `finishedAt`.
   */
  state?: StartOutcome['state'];
  exitCode?: number | null;
  finishedAt?: string | null;
}

/** A created (or stopped, existing) agent, ready to start. */
export interface PendingAgent extends Omit<StartedAgent, 'health' | 'state' | 'exitCode' | 'finishedAt'> {
  /** The container's labels (where its git state is, among others). */
  labels: Readonly<Record<string, string>>;
  /**
   * Starts it. Detached: waits until it runs (and is healthy), removing what this start created
   * when it does not. Attached: only starts it (the attach session follows what it does).
   */
  start(mode: 'detached' | 'attached'): Promise<StartedAgent>;
  /** Removes what this start created (nothing for a resumed agent); for a failure before start. */
  discard(): Promise<void>;
}
