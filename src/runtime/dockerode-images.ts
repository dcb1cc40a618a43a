import type Dockerode from 'dockerode';
import type { EngineKind } from './endpoint.js';
import type { ImageOperations } from './image-operations.js';

export function createDockerodeImageOperations(_docker: Dockerode, _kind: EngineKind): ImageOperations {
  return {};
}
