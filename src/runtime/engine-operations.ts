/**
 * Engine-level operations of a ContainerRuntime (info: storage root, rootless, security options; disk usage). Implemented for the engine API in dockerode-engine.ts.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EngineOperations {}
