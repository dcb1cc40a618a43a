import type Dockerode from 'dockerode';
import { EngineError } from '../shared/errors.js';
import { engineMessage, statusOf } from './engine-errors.js';
import type { EngineKind } from './endpoint.js';
import { getEngineHttp, type EngineHttp } from './engine-http.js';
import type { StreamOperations } from './stream-operations.js';

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

function query(parameters: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(parameters)) {
    if (value === undefined) continue;
    search.set(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  return search.toString();
}

export function createDockerodeStreamOperations(docker: Dockerode, _kind: EngineKind): StreamOperations {
  // Attach, exec, logs and the archive stat go over the engine HTTP client of the same endpoint:
  // dockerode sends a body with attach (Podman echoes it into stdin: https://github.com/containers/podman/issues/19901,
  // https://github.com/apocas/dockerode/issues/742) and buffers logs without follow.
  let engineHttp: EngineHttp | undefined;
  const http = () => (engineHttp ??= getEngineHttp(docker));
  return {
    async attachContainer(id, options) {
      const parameters = query({
        stream: true,
        stdin: options.stdin,
        stdout: true,
        stderr: true,
        detachKeys: options.detachKeys,
      });
      return http().hijack(`/containers/${encodeURIComponent(id)}/attach?${parameters}`);
    },

    async resizeContainer(id, size) {
      await docker.getContainer(id).resize({ h: size.rows, w: size.columns });
    },

    async waitContainerExit(id, signal) {
      // Podman answers `removed` with 0 whatever the exit code (https://github.com/containers/podman/issues/18889,
      // fixed in Podman 4.6); `next-exit` is right on both.
      const result = (await docker
        .getContainer(id)
        .wait({ condition: 'next-exit', abortSignal: signal } as never)) as unknown as { StatusCode: number };
      return result.StatusCode;
    },

    async createExec(id, options) {
      const exec = await docker.getContainer(id).exec({
        Cmd: options.command,
        AttachStdin: options.stdin,
        AttachStdout: true,
        AttachStderr: true,
        Tty: options.tty,
        ...(options.user ? { User: options.user } : {}),
        ...(options.workingDir ? { WorkingDir: options.workingDir } : {}),
        ...(options.env && options.env.length > 0 ? { Env: options.env } : {}),
      });
      return exec.id;
    },

    async startExec(execId, options) {
      try {
        return await http().hijack(`/exec/${encodeURIComponent(execId)}/start`, { Detach: false, Tty: options.tty });
      } catch (error) {
        // Podman refuses the upgrade when the executable cannot be started.
        if (statusOf(error) === 409) {
          throw new EngineError(
            'EXEC_START_REFUSED',
            `The engine refused to start the command: ${engineMessage(error)}`,
            {
              hint: 'Check that the command and the -w directory exist in the agent, then run it again',
              cause: error,
            },
          );
        }
        throw error;
      }
    },

    async resizeExec(execId, size) {
      await docker.getExec(execId).resize({ h: size.rows, w: size.columns });
    },

    async inspectExec(execId) {
      const info = await docker.getExec(execId).inspect();
      return { running: info.Running, exitCode: info.Running ? undefined : (info.ExitCode ?? undefined) };
    },

    async statContainerPath(id, path) {
      let response;
      try {
        response = await http().openStream({
          method: 'HEAD',
          path: `/containers/${encodeURIComponent(id)}/archive?${query({ path })}`,
        });
      } catch (error) {
        if (isNotFound(error)) return 'absent';
        throw error;
      }
      response.resume();
      const header = response.headers['x-docker-container-path-stat'];
      const stat =
        typeof header === 'string'
          ? (JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { mode?: number })
          : {};
      // Go's os.FileMode: the directory bit is the top one.
      return stat.mode !== undefined && stat.mode >= 2 ** 31 && Math.floor(stat.mode / 2 ** 31) % 2 === 1
        ? 'directory'
        : 'other';
    },

    async streamLogs(id, options, signal) {
      const { follow, timestamps, since, until } = options;
      const common = { stdout: true, stderr: true, follow, timestamps, since, until };
      const path = `/containers/${encodeURIComponent(id)}/logs?${query({ ...common, tail: options.tail ?? 'all' })}`;
      return http().openStream({ method: 'GET', path, signal });
    },
  };
}
