/**
 * Image operations of a ContainerRuntime (inspect, pull, build, list, remove). Implemented for the
 * engine API in dockerode-images.ts.
 */
export interface LocalImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  labels: Record<string, string>;
  size: number;
  created: string;
  /** The image's configured user (Config.User), if any. */
  user?: string;
}

export interface ImageOperations {
  /** The local image with this reference, or undefined when the engine does not have it. */
  inspectImage(reference: string): Promise<LocalImage | undefined>;
}
