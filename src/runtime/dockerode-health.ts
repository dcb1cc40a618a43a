import type Dockerode from 'dockerode';
import type { HealthCheckResult } from './container-operations.js';
import type { EngineKind } from './endpoint.js';

/** The command of a HEALTHCHECK test (`CMD …` or `CMD-SHELL …`); undefined for none or `NONE`. */
export function healthCommand(test: string[] | undefined): string[] | undefined {
  const [form, ...rest] = test ?? [];
  if (form === 'CMD' && rest.length > 0) return rest;
  if (form === 'CMD-SHELL' && rest.length > 0) return ['/bin/sh', '-c', rest.join(' ')];
  return undefined;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs a container's health check once, now, and says how it went:
 * - Podman: libpod's own endpoint, which records the result as its timer would (Podman schedules
 *   checks with systemd timers, so without systemd — containers, WSL, CI — they never run at all:
 *   https://github.com/containers/podman/issues/19326);
 * - Docker: the image's check command by exec, as the engine would run it (its result is not
 *   recorded: Docker before 25 has no start interval and runs its first check one whole interval
 *   after the start, so `start` asks itself instead of waiting for it).
 */
export function createDockerodeHealthCheck(
  docker: Dockerode,
  kind: EngineKind,
): (id: string) => Promise<HealthCheckResult | undefined> {
  if (kind === 'podman') {
    return (id) =>
      new Promise((resolve) => {
        docker.modem.dial(
          {
            path: `/v4.0.0/libpod/containers/${encodeURIComponent(id)}/healthcheck`,
            method: 'GET',
            options: {},
            statusCodes: { 200: true, 409: true, 500: true },
          },
          (_error, data) => {
            const status = (data as { Status?: string } | undefined)?.Status;
            resolve(status === 'healthy' || status === 'unhealthy' ? status : undefined);
          },
        );
      });
  }
  return async (id) => {
    const container = docker.getContainer(id);
    const info = await container.inspect();
    const check = (info.Config as { Healthcheck?: { Test?: string[]; Timeout?: number } }).Healthcheck;
    const command = healthCommand(check?.Test);
    if (command === undefined) return undefined;
    const exec = await container.exec({ Cmd: command, AttachStdout: false, AttachStderr: false });
    // Detached: the answer is an empty stream, which would hold the connection (and the process) open.
    const answer = (await exec.start({ Detach: true })) as { destroy?: () => void } | undefined;
    answer?.destroy?.();
    // The image's timeout (nanoseconds; Docker's default 30 s): a check that hangs is a failure.
    const deadline = Date.now() + (check?.Timeout ? check.Timeout / 1e6 : 30_000);
    for (let delay = 20; Date.now() < deadline; delay = Math.min(delay * 2, 250)) {
      const state = await exec.inspect();
      if (!state.Running && state.ExitCode !== null) return state.ExitCode === 0 ? 'healthy' : 'unhealthy';
      await pause(delay);
    }
    return 'unhealthy';
  };
}
