import { homedir } from 'node:os';
import type { Config } from '../../config/schema.js';
import { ConflictError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { AgentSpecFacts } from '../../runtime/agent-spec.js';
import { parseEndpoint } from '../../runtime/endpoint.js';
import type { EngineInfo } from '../../runtime/engine-operations.js';
import { describeLoosening, findLoosenings, type Loosening } from './loosenings.js';
import { checkOciRuntimeKnown, verifyOciRuntime } from './oci-runtime.js';
import { checkWorkspaceSafety, engineStatePaths } from './workspace-safety.js';

/** What the containment checks of a start need from its deps. */
export interface StartCheckDeps {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  config: Config;
  homedir?: string;
  hostUser?: { uid: number; gid: number };
  log(message: string): void;
  warn?(message: string): void;
}

function safetyDeps(deps: StartCheckDeps) {
  return {
    env: deps.env,
    platform: deps.platform,
    homedir: deps.homedir ?? homedir(),
    config: deps.config,
    hostUser: deps.hostUser,
  };
}

/**
 * Once the engine answered, before anything is made: the workspace is not the engine's storage or
 * socket, and an OCI runtime asked for is one the engine knows. Returns the runtime asked for.
 */
export async function checkAgainstEngine(
  deps: StartCheckDeps,
  runtime: ContainerRuntime,
  info: EngineInfo,
  request: { workspace: string; ociRuntime?: string },
): Promise<string | undefined> {
  await checkMountedWorkspace(deps, runtime, info, request.workspace, true);
  const ociRuntime = request.ociRuntime ?? deps.config.ociRuntime;
  if (ociRuntime) await checkOciRuntimeKnown(runtime, info, ociRuntime);
  return ociRuntime;
}

/**
 * The directory actually mounted (agentctl's own worktree, whose place comes from config) is held
 * to the same rules as the workspace given, the engine's own state included.
 */
export async function checkMountedWorkspace(
  deps: StartCheckDeps,
  runtime: ContainerRuntime,
  info: EngineInfo,
  workspace: string,
  allowUnsafe: boolean,
): Promise<void> {
  const socketPath = runtime.endpoint.url.startsWith('unix://')
    ? parseEndpoint(runtime.endpoint.url).socketPath
    : undefined;
  await checkWorkspaceSafety(
    safetyDeps(deps),
    workspace,
    allowUnsafe,
    engineStatePaths(info.storageRoot || undefined, socketPath),
  );
}

/**
 * An existing home volume of this name that agentctl did not make for this agent (no labels of ours) is
 * someone else's data: refused, never mounted as the agent's home. One agentctl kept (`rm` without
 * `--volumes`) carries the labels and is reused.
 */
export async function checkHomeVolume(runtime: ContainerRuntime, volume: string, agent: string): Promise<void> {
  const existing = await runtime.inspectVolume(volume);
  if (!existing) return;
  const labels = existing.labels;
  if (labels[LABELS.managed] === 'true' && labels[LABELS.kind] === 'home' && labels[LABELS.agent] === agent) return;
  throw new ConflictError('VOLUME_NAME_TAKEN', `A volume agentctl did not create is named ${volume}`, {
    hint: `Choose another agent name, or remove that volume with the engine's own tools (\`docker volume rm ${volume}\`) if nothing in it is needed`,
    details: { volume },
  });
}

/** After create: the engine records the OCI runtime asked for (else the caller removes the container). */
export async function checkCreated(
  deps: StartCheckDeps,
  runtime: ContainerRuntime,
  id: string,
  ociRuntime: string | undefined,
): Promise<void> {
  if (!ociRuntime) return;
  await verifyOciRuntime(runtime, id, ociRuntime);
  deps.log(`OCI runtime ${ociRuntime} (as the engine records it)`);
}

/** Finds and prints (one warning line each) what this agent gets beyond the hardened default. */
export function announceLoosenings(
  deps: StartCheckDeps,
  name: string,
  facts: Partial<Pick<AgentSpecFacts, 'network' | 'mounts' | 'addCapabilities' | 'ports'>> | undefined,
  unsafeWorkspace?: string,
): Loosening[] {
  const loosened = findLoosenings(facts ?? {}, unsafeWorkspace);
  for (const loosening of loosened) (deps.warn ?? deps.log)(describeLoosening(name, loosening));
  return loosened;
}
