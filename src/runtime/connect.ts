import { access, readFile, readdir } from 'node:fs/promises';
import type { ContainerRuntime } from './container-runtime.js';
import type { Connection } from './connection.js';
import { detectRuntime } from './detect/detect-runtime.js';
import type { DetectionEnvironment } from './detect/strategy.js';
import { createDockerodeRuntime } from './dockerode-runtime.js';
import type { EngineKind } from './endpoint.js';
import type { KubernetesConnectOptions } from './kubernetes/connect-kubernetes.js';

export interface ConnectOptions {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  homedir: string;
  runtime?: EngineKind;
  host?: string;
  /** Where `host` came from (a config source: "flag --host", "env AGENTCTL_HOST", a file), named in errors. */
  hostSource?: string;
  /** `engine` (Docker or Podman, found by detection; the default) or `kubernetes` (the kubeconfig's cluster). */
  backend?: 'engine' | 'kubernetes';
  kubernetes?: Omit<KubernetesConnectOptions, 'env' | 'homedir'>;
  log?: (message: string) => void;
}

export type { Connection } from './connection.js';

export const nodeFs: DetectionEnvironment['fs'] = {
  async exists(path) {
    try {
      await access(path);
      return true;
    } catch (error) {
      // A socket in a directory we may not enter is there: the probe reports "permission denied".
      return (error as NodeJS.ErrnoException).code === 'EACCES';
    }
  },
  readFile: (path) => readFile(path, 'utf8'),
  readdir: (path) => readdir(path),
};

export function detectionEnvironment(options: ConnectOptions): DetectionEnvironment {
  return {
    env: options.env,
    platform: options.platform,
    homedir: options.homedir,
    uid: typeof process.getuid === 'function' ? process.getuid() : undefined,
    fs: nodeFs,
    runtime: options.runtime,
    host: options.host,
    hostSource: options.hostSource,
  };
}

/** Finds the engine (or the cluster) and returns a runtime over it, with how it was found. */
export async function connectRuntime(
  options: ConnectOptions,
): Promise<{ runtime: ContainerRuntime; detected: Connection }> {
  if (options.backend === 'kubernetes') {
    const { connectKubernetes } = await import('./kubernetes/connect-kubernetes.js');
    return connectKubernetes({ env: options.env, homedir: options.homedir, ...options.kubernetes });
  }
  const detected = await detectRuntime({ environment: detectionEnvironment(options), log: options.log });
  // dockerode is loaded only when an operation first needs it (see createDockerodeRuntime).
  const runtime = createDockerodeRuntime(detected.probe.client, detected.endpoint, detected.probe.version);
  return { runtime, detected };
}
