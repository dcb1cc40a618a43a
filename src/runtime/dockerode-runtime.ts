import type Dockerode from 'dockerode';
import type { ContainerOperations } from './container-operations.js';
import type { ContainerRuntime, EngineVersion } from './container-runtime.js';
import { createDockerodeContainerOperations } from './dockerode-containers.js';
import { createDockerodeEngineOperations } from './dockerode-engine.js';
import { createDockerodeStreamOperations } from './dockerode-streams.js';
import type { EngineOperations } from './engine-operations.js';
import type { StreamOperations } from './stream-operations.js';
import { createDockerodeImageOperations } from './dockerode-images.js';
import type { Endpoint, EngineKind } from './endpoint.js';
import type { ImageOperations } from './image-operations.js';

// The class gets its operations from the two factories (one file per concern).
export interface DockerodeRuntime extends EngineOperations, ImageOperations, ContainerOperations, StreamOperations {}

/** ContainerRuntime over the Docker-compatible engine API, for Docker and Podman alike. */
export class DockerodeRuntime implements ContainerRuntime {
  readonly kind: EngineKind;

  constructor(
    readonly docker: Dockerode,
    readonly endpoint: Endpoint,
    readonly version: EngineVersion,
  ) {
    this.kind = version.kind;
    Object.assign(
      this,
      createDockerodeEngineOperations(docker, this.kind),
      createDockerodeImageOperations(docker, this.kind),
      createDockerodeContainerOperations(docker, this.kind),
      createDockerodeStreamOperations(docker, this.kind),
    );
  }
}
