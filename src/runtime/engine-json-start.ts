import type Dockerode from 'dockerode';
import type { ContainerOperations } from './container-operations.js';
import { createDockerodeContainerOperations } from './dockerode-containers.js';
import { createDockerodeImageOperations } from './dockerode-images.js';
import { createDockerodeStreamOperations } from './dockerode-streams.js';
import type { EngineKind } from './endpoint.js';
import { registerEngineHttp, type EngineHttp } from './engine-http.js';
import type { EngineJsonClient } from './engine-json.js';
import type { ImageOperations } from './image-operations.js';
import type { StreamOperations } from './stream-operations.js';

/** The operations of start, stop, rm, exec, attach and logs (engine-json-start.ts), over the small JSON client. */
export type LifecycleOperations = Pick<
  ContainerOperations,
  | 'createContainer'
  | 'startContainer'
  | 'stopContainer'
  | 'removeContainer'
  | 'createVolume'
  | 'inspectVolume'
  | 'listVolumes'
  | 'removeVolume'
> &
  Pick<ImageOperations, 'inspectImage'> &
  StreamOperations;

/**
 * The requests of `start` beyond the container reads (image inspect, volume, create with its
 * archive, start, and the remove of a half-made container), of `stop` and `rm` (stop, remove, the
 * home volume's look-up and removal) and of the streams (`exec`, `attach`, `logs`) over the JSON
 * client instead of dockerode, so these commands do not load dockerode (~25 ms of CPU). The
 * operations themselves are those of dockerode-containers.ts, dockerode-images.ts and
 * dockerode-streams.ts, given a stand-in with the few dockerode calls they make: the same
 * requests, answers and error handling (the client's errors carry `statusCode`, `json` and the
 * engine's message as dockerode's do: engine-errors.ts). The streams' hijacked and raw requests
 * already went over `http`, the client under the JSON client.
 */
export function createJsonLifecycleOperations(
  client: EngineJsonClient,
  http: EngineHttp,
  kind: EngineKind,
): LifecycleOperations {
  const standIn = dockerodeStandIn(client);
  registerEngineHttp(standIn, http);
  const docker = standIn as unknown as Dockerode;
  const containers = createDockerodeContainerOperations(docker, kind);
  const images = createDockerodeImageOperations(docker, kind);
  return {
    createContainer: containers.createContainer,
    startContainer: containers.startContainer,
    stopContainer: containers.stopContainer,
    removeContainer: containers.removeContainer,
    createVolume: containers.createVolume,
    inspectVolume: containers.inspectVolume,
    listVolumes: containers.listVolumes,
    removeVolume: containers.removeVolume,
    inspectImage: images.inspectImage,
    ...createDockerodeStreamOperations(docker, kind),
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
        async stop(options: { t?: number }) {
          await client.send({ method: 'POST', path: at(`${path}/stop`, options) });
        },
        async remove(options: { force?: boolean; v?: boolean; t?: number }) {
          await client.send({ method: 'DELETE', path: at(path, options) });
        },
        async resize(options: { h: number; w: number }) {
          await client.send({ method: 'POST', path: at(`${path}/resize`, options) });
        },
        wait(options: { condition: string; abortSignal?: AbortSignal }) {
          const { abortSignal, ...query } = options;
          return client.send({ method: 'POST', path: at(`${path}/wait`, query), signal: abortSignal });
        },
        async exec(options: Record<string, unknown>) {
          const answer = (await client.send({ method: 'POST', path: `${path}/exec`, body: options })) as { Id: string };
          return { id: answer.Id };
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
    getExec(id: string) {
      const path = `/exec/${encodeURIComponent(id)}`;
      return {
        async resize(options: { h: number; w: number }) {
          await client.send({ method: 'POST', path: at(`${path}/resize`, options) });
        },
        inspect: () => client.send({ method: 'GET', path: `${path}/json` }),
      };
    },
    getVolume(name: string) {
      const path = `/volumes/${encodeURIComponent(name)}`;
      return {
        inspect: () => client.send({ method: 'GET', path }),
        async remove() {
          await client.send({ method: 'DELETE', path });
        },
      };
    },
    createVolume(options: { Name: string; Labels: Record<string, string> }) {
      return client.send({ method: 'POST', path: '/volumes/create', body: options });
    },
    listVolumes(options: { filters: string }) {
      return client.send({ method: 'GET', path: at('/volumes', options) });
    },
    getImage(reference: string) {
      // Not encoded, as dockerode sends it: the engines route `/images/{name}/json` with the
      // name's slashes as they are (`registry:5000/team/image:tag`, `…@sha256:…`).
      return { inspect: () => client.send({ method: 'GET', path: `/images/${reference}/json` }) };
    },
  };
}
