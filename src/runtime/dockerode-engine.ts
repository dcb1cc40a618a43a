import type Dockerode from 'dockerode';
import type { EngineKind } from './endpoint.js';
import type { EngineOperations } from './engine-operations.js';

export function createDockerodeEngineOperations(_docker: Dockerode, _kind: EngineKind): EngineOperations {
  return {};
}
