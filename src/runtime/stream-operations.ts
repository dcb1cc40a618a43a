/**
 * Streaming operations of a ContainerRuntime (attach, exec, logs). Implemented for the engine API in dockerode-streams.ts.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface StreamOperations {}
