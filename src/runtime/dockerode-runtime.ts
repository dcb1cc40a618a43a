import type Dockerode from 'dockerode';
import type { ContainerRuntime, EngineVersion } from './container-runtime.js';
import type { Endpoint, EngineKind } from './endpoint.js';

/** ContainerRuntime over the Docker-compatible engine API, for Docker and Podman alike. */
export class DockerodeRuntime implements ContainerRuntime {
  readonly kind: EngineKind;

  constructor(
    readonly docker: Dockerode,
    readonly endpoint: Endpoint,
    readonly version: EngineVersion,
  ) {
    this.kind = version.kind;
  }
}
