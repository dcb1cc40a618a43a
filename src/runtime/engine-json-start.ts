import type Dockerode from 'dockerode';
import type { ContainerOperations } from './container-operations.js';
import { createDockerodeContainerOperations } from './dockerode-containers.js';
import { createDockerodeImageOperations } from './dockerode-images.js';
import type { EngineKind } from './endpoint.js';
import type { EngineJsonClient } from './engine-json.js';
import type { ImageOperations } from './image-operations.js';

/** The operations a detached start makes (engine-json-start.ts), over the small JSON client. */
export type StartOperations = Pick<
  ContainerOperations,
  'createContainer' | 'startContainer' | 'removeContainer' | 'createVolume' | 'inspectVolume'
> &
  Pick<ImageOperations, 'inspectImage'>;

/**
 * The requests of `start` beyond the container reads (image inspect, volume, create with its
 * archive, start, and the remove of a half-made container) over the JSON client instead of
 * dockerode, so a start does not load dockerode (~25 ms of CPU). The operations themselves are
 * those of dockerode-containers.ts and dockerode-images.ts, given a stand-in with the few dockerode
 * calls they make: the same requests, answers and error handling (the client's errors carry
 * `statusCode`, `json` and the engine's message as dockerode's do: engine-errors.ts).
 */
export function createJsonStartOperations(client: EngineJsonClient, kind: EngineKind): StartOperations {
  const docker = dockerodeStandIn(client) as unknown as Dockerode;
  const containers = createDockerodeContainerOperations(docker, kind);
  const images = createDockerodeImageOperations(docker, kind);
  return {
    createContainer: containers.createContainer,
    startContainer: containers.startContainer,
    removeContainer: containers.removeContainer,
    createVolume: containers.createVolume,
    inspectVolume: containers.inspectVolume,
    inspectImage: images.inspectImage,
  };
}

const at = (path: string, query: Record<string, string | number | boolean | undefined> = {}) => {
  const search = new URLSearchParams(
    Object.entries(query).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])),
  ).toString();
  return search ? `${path}?${search}` : path;
};

/** The dockerode calls the operations above make, as the same engine requests. */
export function dockerodeStandIn(client: EngineJsonClient) {
  return {
    async createContainer(options: { _query: { name: string }; _body: unknown }) {
      const answer = (await client.send({
        method: 'POST',
        path: at('/containers/create', { name: options._query.name }),
        body: options._body,
      })) as { Id: string };
      return { id: answer.Id };
    },
    getContainer(id: string) {
      const path = `/containers/${encodeURIComponent(id)}`;
      return {
        async start() {
          await client.send({ method: 'POST', path: `${path}/start` });
        },
        async remove(options: { force?: boolean; v?: boolean; t?: number }) {
          await client.send({ method: 'DELETE', path: at(path, options) });
        },
        async putArchive(archive: Buffer, options: { path: string }) {
          await client.send({
            method: 'PUT',
            path: at(`${path}/archive`, { path: options.path }),
            raw: { content: archive, type: 'application/x-tar' },
          });
        },
      };
    },
    getVolume(name: string) {
      return { inspect: () => client.send({ method: 'GET', path: `/volumes/${encodeURIComponent(name)}` }) };
    },
    createVolume(options: { Name: string; Labels: Record<string, string> }) {
      return client.send({ method: 'POST', path: '/volumes/create', body: options });
    },
    getImage(reference: string) {
      // Not encoded, as dockerode sends it: the engines route `/images/{name}/json` with the
      // name's slashes as they are (`registry:5000/team/image:tag`, `…@sha256:…`).
      return { inspect: () => client.send({ method: 'GET', path: `/images/${reference}/json` }) };
    },
  };
}
