import type { ContainerOperations } from './container-operations.js';
import type { EngineKind, Endpoint } from './endpoint.js';
import type { EngineOperations } from './engine-operations.js';
import type { ImageOperations } from './image-operations.js';
import type { StreamOperations } from './stream-operations.js';

/** The engine's own account of itself (from GET /version). */
export interface EngineVersion {
  kind: EngineKind;
  version: string;
  apiVersion: string;
  os?: string;
  arch?: string;
}

/**
 * The one interface over a container engine's API. Docker and Podman are both reached through
 * their Docker-compatible API (dockerode); where they differ, the implementation knows `kind`.
 * Each concern's operations are declared in their own file.
 */
export interface ContainerRuntime extends EngineOperations, ImageOperations, ContainerOperations, StreamOperations {
  readonly endpoint: Endpoint;
  readonly kind: EngineKind;
  readonly version: EngineVersion;
}
