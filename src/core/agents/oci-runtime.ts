import { EngineError, UsageError } from '../../shared/errors.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { EngineInfo } from '../../runtime/engine-operations.js';

/**
 * An OCI runtime asked for (`--oci-runtime`, config `ociRuntime`) must be the one the container
 * runs with. Before create: the engine must know it by name (GET /info `Runtimes`). After create:
 * the engine's own record must name it, since Podman's Docker-compatible API accepts any
 * HostConfig.Runtime and creates the container on its default runtime.
 */
export async function checkOciRuntimeKnown(
  runtime: Pick<ContainerRuntime, 'kind' | 'fetchEngineInfo'>,
  info: EngineInfo,
  requested: string,
): Promise<void> {
  let known = info.runtimes;
  // The info may come from the cache (runtime/engine-info-cache.ts) and Docker reloads its runtimes
  // on SIGHUP without a new socket: ask the engine itself before refusing.
  if (known === undefined || !known.includes(requested)) known = (await runtime.fetchEngineInfo()).runtimes;
  if (known === undefined || known.includes(requested)) return;
  const choose = known.length > 0 ? `Use one of ${known.join(', ')}, or` : 'To use it,';
  throw new UsageError(
    'OCI_RUNTIME_UNKNOWN',
    `The ${engineName(runtime.kind)} engine has no OCI runtime "${requested}" (it knows: ${known.join(', ') || 'none'})`,
    {
      hint:
        runtime.kind === 'podman'
          ? `${choose} add "${requested}" under [engine.runtimes] in containers.conf and restart the Podman service`
          : `${choose} register "${requested}" under "runtimes" in the engine's daemon.json and reload the engine`,
      details: { requested, known },
    },
  );
}

/** After create: the engine's record of the container names the runtime asked for, or the start fails. */
export async function verifyOciRuntime(
  runtime: Pick<ContainerRuntime, 'kind' | 'fetchOciRuntime'>,
  id: string,
  requested: string,
): Promise<void> {
  const actual = await runtime.fetchOciRuntime(id);
  if (actual === requested) return;
  const shown = actual ?? 'one it does not name';
  throw new EngineError(
    'OCI_RUNTIME_NOT_APPLIED',
    `The ${engineName(runtime.kind)} engine would run the agent on ${shown}, not on the OCI runtime "${requested}" asked for`,
    {
      hint:
        runtime.kind === 'podman'
          ? `Podman's Docker-compatible API ignores a per-container runtime: set runtime = "${requested}" under [engine] in containers.conf, restart the Podman service, and start again (agentctl checks it)`
          : `Check that the engine supports per-container runtimes ("${requested}" under "runtimes" in daemon.json), or start without --oci-runtime`,
      details: { requested, actual: actual ?? null },
    },
  );
}

function engineName(kind: ContainerRuntime['kind']): string {
  return kind === 'podman' ? 'Podman' : kind === 'docker' ? 'Docker' : 'Kubernetes';
}
