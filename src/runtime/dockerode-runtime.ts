import type Dockerode from 'dockerode';
import type { ContainerOperations } from './container-operations.js';
import { createDockerodeArchiveOperations } from './dockerode-archive.js';
import type { ContainerRuntime, EngineVersion } from './container-runtime.js';
import { createDockerodeContainerOperations } from './dockerode-containers.js';
import { createDockerodeEgressOperations } from './dockerode-egress.js';
import { createDockerodeEngineOperations } from './dockerode-engine.js';
import { createDockerodeHealthCheck } from './dockerode-health.js';
import { createDockerodeImageOperations } from './dockerode-images.js';
import { createDockerodeStatsOperations } from './dockerode-stats.js';
import { createDockerodeStreamOperations } from './dockerode-streams.js';
import type { Endpoint } from './endpoint.js';
import type { EngineOperations } from './engine-operations.js';
import { createJsonContainerReads } from './engine-json-containers.js';
import { createEngineJsonClient } from './engine-json.js';
import { createJsonLifecycleOperations } from './engine-json-start.js';
import type { ImageOperations } from './image-operations.js';
import type { StreamOperations } from './stream-operations.js';

type Operations = EngineOperations & ImageOperations & ContainerOperations & StreamOperations;

/**
 * ContainerRuntime over the Docker-compatible engine API, for Docker and Podman alike: a plain
 * object the compiler checks against the interface (`satisfies`), each operation named once.
 *
 * dockerode (~30 ms to load) is asked for only when an operation first needs it: `getDocker` is
 * called once, on the first call, and each operation here waits for it. The container reads that
 * listing agents makes (list, inspect) and the operations of start, stop, rm and the streams
 * (engine-json-start.ts) go over a small JSON client instead, so `ls`, a plain `start -d`, `stop`,
 * `rm`, `exec`, `attach` and `logs` never load dockerode.
 */
export function createDockerodeRuntime(
  getDocker: () => Promise<Dockerode>,
  endpoint: Endpoint,
  version: EngineVersion,
): ContainerRuntime {
  const kind = version.kind;
  let docker: Promise<Dockerode> | undefined;
  const connect = () => (docker ??= getDocker());
  let operations: Promise<Operations> | undefined;
  const load = () =>
    (operations ??= connect().then((docker) => ({
      ...createDockerodeEngineOperations(docker, kind),
      ...createDockerodeImageOperations(docker, kind),
      ...createDockerodeContainerOperations(docker, kind),
      ...createDockerodeStreamOperations(docker, kind),
    })));
  /** Operation `name` of the dockerode implementation, once dockerode is loaded. */
  const later = <K extends keyof Operations>(name: K) =>
    ((...args: unknown[]) =>
      load().then((loaded) => (loaded[name] as (...a: unknown[]) => Promise<unknown>)(...args))) as NonNullable<
      Operations[K]
    >;
  const json = createEngineJsonClient(endpoint);
  const reads = json ? createJsonContainerReads(json) : undefined;
  const starts = json ? createJsonLifecycleOperations(json, json.http, kind) : undefined;

  return {
    endpoint,
    kind,
    version,
    capabilities: {
      bindMounts: true,
      pullsOnStart: false,
      cluster: false,
      rootlessUsers: kind === 'podman' ? 'keep-host-ids' : 'root-is-host-user',
    },
    egress: createDockerodeEgressOperations(connect, kind),
    archive: createDockerodeArchiveOperations(connect, kind),
    stats: createDockerodeStatsOperations(connect),
    fetchEngineInfo: later('fetchEngineInfo'),
    // Images
    inspectImage: starts?.inspectImage ?? later('inspectImage'),
    pullImage: later('pullImage'),
    listImages: later('listImages'),
    removeImage: later('removeImage'),
    tagImage: later('tagImage'),
    buildImage: later('buildImage'),
    // Containers and volumes
    createContainer: starts?.createContainer ?? later('createContainer'),
    startContainer: starts?.startContainer ?? later('startContainer'),
    stopContainer: starts?.stopContainer ?? later('stopContainer'),
    removeContainer: starts?.removeContainer ?? later('removeContainer'),
    inspectContainer: reads?.inspectContainer ?? later('inspectContainer'),
    listContainers: reads?.listContainers ?? later('listContainers'),
    fetchOciRuntime: later('fetchOciRuntime'),
    copyFiles: later('copyFiles'),
    createVolume: starts?.createVolume ?? later('createVolume'),
    inspectVolume: starts?.inspectVolume ?? later('inspectVolume'),
    listVolumes: starts?.listVolumes ?? later('listVolumes'),
    removeVolume: starts?.removeVolume ?? later('removeVolume'),
    runHealthCheck: (id) => connect().then((docker) => createDockerodeHealthCheck(docker, kind)(id)),
    // Streams
    attachContainer: starts?.attachContainer ?? later('attachContainer'),
    resizeContainer: starts?.resizeContainer ?? later('resizeContainer'),
    waitContainerExit: starts?.waitContainerExit ?? later('waitContainerExit'),
    createExec: starts?.createExec ?? later('createExec'),
    startExec: starts?.startExec ?? later('startExec'),
    resizeExec: starts?.resizeExec ?? later('resizeExec'),
    inspectExec: starts?.inspectExec ?? later('inspectExec'),
    statContainerPath: starts?.statContainerPath ?? later('statContainerPath'),
    streamLogs: starts?.streamLogs ?? later('streamLogs'),
  } satisfies ContainerRuntime;
}
