import type Dockerode from 'dockerode';
import type { ContainerOperations } from './container-operations.js';
import type { ContainerRuntime, EngineVersion } from './container-runtime.js';
import { createDockerodeContainerOperations } from './dockerode-containers.js';
import { createDockerodeEgressOperations } from './dockerode-egress.js';
import { createDockerodeEngineOperations } from './dockerode-engine.js';
import type { EgressOperations } from './egress-operations.js';
import { createDockerodeStreamOperations } from './dockerode-streams.js';
import type { EngineOperations } from './engine-operations.js';
import type { StreamOperations } from './stream-operations.js';
import { createDockerodeImageOperations } from './dockerode-images.js';
import type { Endpoint, EngineKind } from './endpoint.js';
import type { ImageOperations } from './image-operations.js';
import { createJsonContainerReads } from './engine-json-containers.js';
import { createEngineJsonClient } from './engine-json.js';

// The class gets its operations from the factories (one file per concern).
export interface DockerodeRuntime extends EngineOperations, ImageOperations, ContainerOperations, StreamOperations {}

type Operations = EngineOperations & ImageOperations & ContainerOperations & StreamOperations;

function createOperations(docker: Dockerode, kind: EngineKind): Operations {
  return Object.assign(
    {},
    createDockerodeEngineOperations(docker, kind),
    createDockerodeImageOperations(docker, kind),
    createDockerodeContainerOperations(docker, kind),
    createDockerodeStreamOperations(docker, kind),
  );
}

/**
 * ContainerRuntime over the Docker-compatible engine API, for Docker and Podman alike.
 *
 * dockerode (~30 ms to load) is asked for only when an operation first needs it: `getDocker` is
 * called once, on the first call. The container reads that listing agents makes (list, inspect)
 * go over a small JSON client instead when the endpoint is a socket or TCP (not ssh://), so `ls`
 * never loads dockerode.
 */
export class DockerodeRuntime implements ContainerRuntime {
  readonly kind: EngineKind;
  readonly capabilities = { bindMounts: true, pullsOnStart: false };
  readonly egress: EgressOperations;

  constructor(
    getDocker: () => Promise<Dockerode>,
    readonly endpoint: Endpoint,
    readonly version: EngineVersion,
  ) {
    this.kind = version.kind;
    let docker: Promise<Dockerode> | undefined;
    this.egress = createDockerodeEgressOperations(() => (docker ??= getDocker()), this.kind);
    let operations: Promise<Operations> | undefined;
    const load = () => (operations ??= (docker ??= getDocker()).then((docker) => createOperations(docker, this.kind)));
    // Every operation returns a promise, so each one can wait for dockerode. The names (and the
    // kind-dependent optional ones) come from the factories themselves, built here over no client:
    // they only keep it for later calls.
    const names = Object.keys(createOperations(undefined as never, this.kind)) as (keyof Operations)[];
    const delegates = Object.fromEntries(
      names.map((name) => [
        name,
        (...args: unknown[]) => load().then((ops) => (ops[name] as (...a: unknown[]) => Promise<unknown>)(...args)),
      ]),
    );
    const json = createEngineJsonClient(endpoint);
    Object.assign(this, delegates, json ? createJsonContainerReads(json) : {});
  }
}
