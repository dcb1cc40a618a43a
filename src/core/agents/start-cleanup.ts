import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import { isAgentctlError } from '../../shared/errors.js';
import { retryWhileUnreachable } from './retry-unreachable.js';
import type { StartAgentDeps } from './start-agent-types.js';

/** Removes what a failed start made: its container (and processes it left), its new home volume. */
export async function cleanUp(
  runtime: ContainerRuntime,
  id: string | undefined,
  volume: string | undefined,
  deps: Pick<StartAgentDeps, 'log' | 'reapProcesses'>,
): Promise<void> {
  const log = deps.log;
  if (id) {
    const removed = await retryWhileUnreachable(() => runtime.removeContainer(id, { force: true })).then(
      () => (log(`removed the half-made container ${id.slice(0, 12)}`), true),
      (error: unknown) => (log(`could not remove container ${id.slice(0, 12)}: ${(error as Error).message}`), false),
    );
    const reaped = removed && deps.reapProcesses ? await deps.reapProcesses(runtime, id).catch(() => []) : [];
    if (reaped.length > 0) log(`killed processes it left on this machine: ${reaped.join(', ')}`);
  }
  if (volume) {
    // Another start racing for the same name may use the volume now: the engine then refuses (409).
    await retryWhileUnreachable(() => runtime.removeVolume(volume)).then(
      () => log(`removed the volume ${volume}`),
      (error: unknown) =>
        log(`kept the volume ${volume}: ${isAgentctlError(error) ? error.code : (error as Error).message}`),
    );
  }
}
