import type { IncomingMessage } from 'node:http';
import type Dockerode from 'dockerode';
import { NotFoundError } from '../shared/errors.js';
import type { ArchiveOperations, ContainerPathStat } from './archive-operations.js';
import { engineError, statusOf } from './engine-errors.js';
import type { EngineKind } from './endpoint.js';
import { getEngineHttp } from './engine-http.js';

// Go's os.FileMode bits, as the engines report modes (above 2^31: no bitwise operators).
const GO_MODE = {
  directory: 31,
  symlink: 27,
  device: 26,
  namedPipe: 25,
  socket: 24,
  setuid: 23,
  setgid: 22,
  charDevice: 21,
  sticky: 20,
  irregular: 19,
} as const;

function bit(mode: number, position: number): boolean {
  return Math.floor(mode / 2 ** position) % 2 === 1;
}

/** The engine's X-Docker-Container-Path-Stat header (base64 JSON: name, size, mode, mtime, linkTarget). */
export function parsePathStat(header: string | string[] | undefined): ContainerPathStat | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  const raw = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as {
    name?: string;
    size?: number;
    mode?: number;
    linkTarget?: string;
  };
  const mode = raw.mode ?? 0;
  const special = [GO_MODE.device, GO_MODE.namedPipe, GO_MODE.socket, GO_MODE.charDevice, GO_MODE.irregular];
  const kind = bit(mode, GO_MODE.directory)
    ? 'directory'
    : bit(mode, GO_MODE.symlink)
      ? 'symlink'
      : special.some((position) => bit(mode, position))
        ? 'other'
        : 'file';
  const permissions =
    (mode % 0o1000) +
    (bit(mode, GO_MODE.setuid) ? 0o4000 : 0) +
    (bit(mode, GO_MODE.setgid) ? 0o2000 : 0) +
    (bit(mode, GO_MODE.sticky) ? 0o1000 : 0);
  // Podman 4 fills linkTarget with the resolved path of everything, and names a link after its target
  // (no upstream issue found).
  return {
    name: raw.name ?? '',
    kind,
    size: raw.size ?? 0,
    mode: permissions,
    linkTarget: kind === 'symlink' ? (raw.linkTarget ?? '') : '',
  };
}

function archivePath(id: string, path: string): string {
  return `/containers/${encodeURIComponent(id)}/archive?${new URLSearchParams({ path }).toString()}`;
}

function pathNotFound(path: string, cause: unknown): NotFoundError {
  return new NotFoundError('CONTAINER_PATH_NOT_FOUND', `Nothing at ${path} in the agent's container`, {
    hint: 'Check the path (`agentctl exec NAME ls -la DIR`); a relative path starts at /workspace',
    details: { path },
    cause,
  });
}

/**
 * The archive operations over the engine API. `getDocker` is called on first use (dockerode loads
 * only when a command copies files).
 */
export function createDockerodeArchiveOperations(
  getDocker: () => Promise<Dockerode>,
  _kind: EngineKind,
): ArchiveOperations {
  const fetchArchive: ArchiveOperations['fetchArchive'] = async (id, path, signal) => {
    const docker = await getDocker();
    let response: IncomingMessage;
    try {
      response = await getEngineHttp(docker).openStream({ method: 'GET', path: archivePath(id, path), signal });
    } catch (error) {
      if (statusOf(error) === 404) throw pathNotFound(path, error);
      throw engineError(`read ${path} from the container`, error);
    }
    const header = response.headers['x-docker-container-path-stat'];
    const stat = parsePathStat(header) ?? {
      name: path.split('/').pop() ?? '',
      kind: 'other',
      size: 0,
      mode: 0,
      linkTarget: '',
    };
    return { stat, stream: response };
  };
  return {
    async fetchPathStat(id, path) {
      const docker = await getDocker();
      try {
        // Every transport (ssh:// too) gives the engine's headers: see engine-http.ts.
        const response = await getEngineHttp(docker).openStream({ method: 'HEAD', path: archivePath(id, path) });
        response.resume();
        return parsePathStat(response.headers['x-docker-container-path-stat']);
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw engineError(`look at ${path} in the container`, error);
      }
    },
    fetchArchive,
    async putArchive(id, path, archive) {
      const docker = await getDocker();
      try {
        await docker.getContainer(id).putArchive(archive, { path });
      } catch (error) {
        if (statusOf(error) === 404) throw pathNotFound(path, error);
        throw engineError(`copy files into the container at ${path}`, error);
      }
    },
  };
}
