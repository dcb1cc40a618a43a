import type Dockerode from 'dockerode';
import type { EngineKind } from './endpoint.js';
import type { ContainerOperations } from './container-operations.js';

export function createDockerodeContainerOperations(_docker: Dockerode, _kind: EngineKind): ContainerOperations {
  return {};
}
