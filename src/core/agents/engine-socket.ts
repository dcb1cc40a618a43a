import { stat } from 'node:fs/promises';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import { parseEndpoint } from '../../runtime/endpoint.js';
import { UsageError } from '../../shared/errors.js';

/** `--docker-access socket`: the engine's local socket, and its group when the agent may use it. */
export async function engineSocket(runtime: ContainerRuntime): Promise<{ path: string; gid?: number }> {
  const parsed = parseEndpoint(runtime.endpoint.url);
  if (parsed.protocol !== 'unix' || !parsed.socketPath) {
    throw new UsageError(
      'DOCKER_ACCESS_UNSUPPORTED',
      `--docker-access socket needs a local unix socket; the engine is at ${runtime.endpoint.url}`,
      {
        hint: 'Use a local engine, or start without --docker-access socket',
      },
    );
  }
  // The socket's group lets the non-root agent use it; never the root group (it opens more than the socket).
  const gid = await stat(parsed.socketPath).then(
    (info) => (info.gid !== 0 && (info.mode & 0o060) === 0o060 ? info.gid : undefined),
    () => undefined,
  );
  return { path: parsed.socketPath, ...(gid === undefined ? {} : { gid }) };
}
