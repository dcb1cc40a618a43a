/**
 * Image operations of a ContainerRuntime (inspect, pull, build, list, remove). Implemented for the
 * engine API in dockerode-images.ts.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ImageOperations {}
