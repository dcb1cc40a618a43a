/**
 * Container, volume and exec operations of a ContainerRuntime. Implemented for the engine API in
 * dockerode-containers.ts.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ContainerOperations {}
