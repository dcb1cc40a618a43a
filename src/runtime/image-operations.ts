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
  /** The image's default command (Config.Cmd), if any. */
  command?: string[];
}

/** Credentials for one registry, in the engine API's X-Registry-Auth shape. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** An identity token (OAuth refresh token) instead of a password. */
  identitytoken?: string;
  serveraddress: string;
}

/** One event of a pull or push progress stream, normalised across engines. */
export interface PullEvent {
  /** Layer id, when the event is about one layer. */
  id?: string;
  /** The engine's phase text: "Pulling fs layer", "Downloading", "Pull complete", "Digest: ...". */
  status: string;
  current?: number;
  total?: number;
}

export interface PullOptions {
  auth?: RegistryAuth;
  signal?: AbortSignal;
  onEvent?: (event: PullEvent) => void;
}

export interface BuildOptions {
  /** A tar archive of the build context (Dockerfile at its root unless `dockerfile` says). */
  context: NodeJS.ReadableStream | Buffer;
  tags: string[];
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Do not use the layer cache. */
  noCache?: boolean;
  /** The platform to build for (OS/ARCH[/VARIANT]). */
  platform?: string;
  signal?: AbortSignal;
  /** Each line of build output, as the engine streams it. */
  onOutput?: (line: string) => void;
}

export interface ImageOperations {
  /** The local image with this reference, or undefined when the engine does not have it. */
  inspectImage(reference: string): Promise<LocalImage | undefined>;
  /**
   * Pulls `reference` (repository:tag or @digest). Resolves when the engine reports the pull done;
   * rejects on an error event (Podman reports a missing image as HTTP 200 with an `error` field in
   * the stream) or when `signal` aborts (the request is destroyed).
   */
  pullImage(reference: string, options?: PullOptions): Promise<void>;
  /** Local images, optionally only those carrying every given label (`key` or `key=value`). */
  listImages(filter?: { labels?: string[] }): Promise<LocalImage[]>;
  /**
   * Removes a local image reference (untags; deletes when it was the last). NotFoundError
   * IMAGE_NOT_LOCAL when the engine has no such image, ConflictError IMAGE_IN_USE when a container
   * uses it (and not `force`).
   */
  removeImage(reference: string, options?: { force?: boolean }): Promise<void>;
  /** Adds a tag to an existing local image. */
  tagImage(source: string, target: string): Promise<void>;
  /** Builds an image with the engine's classic builder; resolves to the new image id. */
  buildImage(options: BuildOptions): Promise<string>;
}
