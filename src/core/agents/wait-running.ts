import { EngineError, TimeoutError } from '../../shared/errors.js';
import type { ContainerDetails, ContainerOperations } from '../../runtime/container-operations.js';

export interface WaitDeps {
  runtime: Pick<ContainerOperations, 'inspectContainer' | 'runHealthCheck'>;
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Docker's number of failed checks before unhealthy when an image's HEALTHCHECK sets no --retries. */
export const DEFAULT_HEALTH_RETRIES = 3;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a detached start (or restart) reports: running, or already ended with its exit code. */
export type StartOutcome =
  { state: 'running'; health?: string } | { state: 'exited'; exitCode: number | null; finishedAt: string | null };

export function startOutcome(details: ContainerDetails): StartOutcome {
  if (details.running) return { state: 'running', ...(details.health ? { health: details.health } : {}) };
  return { state: 'exited', exitCode: details.exitCode ?? null, finishedAt: details.finishedAt ?? null };
}

/**
 * Polls until the container runs and, when its image has a health check, reports healthy; or until
 * it has run and ended (a short command): that is a result, returned with `running: false`, not a
 * failure. `startedBefore` is the container's StartedAt before this start (a stopped agent), so
 * that the end of its previous run is not taken for this one. AGENT_EXITED when the container is
 * gone or dead, AGENT_UNHEALTHY / START_TIMEOUT otherwise.
 */
export async function waitUntilRunning(
  deps: WaitDeps,
  id: string,
  name: string,
  timeoutMs: number,
  startedBefore?: string,
): Promise<ContainerDetails> {
  const sleep = deps.sleep ?? defaultSleep;
  const now = deps.now ?? Date.now;
  const deadline = now() + timeoutMs;
  let delay = 25;
  let lastCheck: number | undefined;
  let failedChecks = 0;
  for (;;) {
    if (deps.signal?.aborted) throw deps.signal.reason;
    const details = await deps.runtime.inspectContainer(id);
    const ended = details && ['exited', 'stopped'].includes(details.state);
    // It ran (StartedAt is this start's) and ended: its exit code is the answer, its logs are kept.
    if (ended && details.startedAt !== undefined && details.startedAt !== startedBefore) return details;
    if (!details || details.state === 'dead') {
      throw new EngineError(
        'AGENT_EXITED',
        `Agent ${name} stopped right after it started (exit code ${details?.exitCode ?? 'unknown'})`,
        {
          hint: `Check the command and the image; start it without --detach to see what it prints`,
          details: { agent: name, exitCode: details?.exitCode },
        },
      );
    }
    // Docker marks a container unhealthy only after --retries failures (3 when the image sets
    // none); Podman 4 does so at the first failure when --retries is not set
    // (https://github.com/containers/podman/issues/11225). So one rule for both:
    // unhealthy counts once as many checks failed in a row as Docker would allow.
    const premature =
      details.health === 'unhealthy' &&
      details.healthStreak !== undefined &&
      details.healthStreak.failing < (details.healthStreak.retries || DEFAULT_HEALTH_RETRIES);
    if (details.state === 'running' && !premature) {
      if (details.health === undefined || details.health === 'healthy') return details;
      if (details.health === 'unhealthy') {
        throw new EngineError('AGENT_UNHEALTHY', `Agent ${name} reports unhealthy`, {
          hint: 'Check the image health check and the agent logs',
          details: { agent: name },
        });
      }
    }
    // The check is run here rather than waited for: the engine's first one may be a whole interval
    // away (Docker before 25 has no start interval: https://github.com/moby/moby/pull/40894) or never
    // come (Podman without systemd: https://github.com/containers/podman/issues/19326).
    if (
      details.state === 'running' &&
      (details.health === 'starting' || premature) &&
      deps.runtime.runHealthCheck &&
      (lastCheck === undefined || now() - lastCheck >= 1000)
    ) {
      lastCheck = now();
      const result = await deps.runtime.runHealthCheck(id);
      if (result === 'healthy') return { ...details, health: 'healthy' };
      if (result === 'unhealthy' && ++failedChecks >= (details.healthStreak?.retries || DEFAULT_HEALTH_RETRIES)) {
        throw new EngineError('AGENT_UNHEALTHY', `Agent ${name} reports unhealthy`, {
          hint: 'Check the image health check (`agentctl exec NAME agentctl-health` in agentctl images) and the agent logs',
          details: { agent: name },
        });
      }
      continue;
    }
    if (now() >= deadline) {
      throw new TimeoutError(
        'START_TIMEOUT',
        `Agent ${name} was not ${details.state === 'running' ? 'healthy' : 'running'} within ${Math.round(timeoutMs / 1000)} s`,
        {
          hint: 'Start again with a longer --wait-timeout, or check the image health check',
          details: { agent: name, state: details.state, health: details.health },
        },
      );
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
}
