import type Dockerode from 'dockerode';
import type { EngineKind } from './endpoint.js';
import type { StreamOperations } from './stream-operations.js';

export function createDockerodeStreamOperations(_docker: Dockerode, _kind: EngineKind): StreamOperations {
  return {};
}
