/**
 * Container and volume operations of a ContainerRuntime. Implemented for the engine API in
 * dockerode-containers.ts. Engine failures surface as typed errors (ConflictError for a name taken,
 * NotFoundError for a missing object, EngineError otherwise).
 */

/** The create-container body (the engine API's own field names), with the container's name. */
export interface ContainerSpec {
  name: string;
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env: string[];
  User?: string;
  WorkingDir?: string;
  Labels: Record<string, string>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  HostConfig: {
    Binds: string[];
    Tmpfs?: Record<string, string>;
    CapDrop: string[];
    CapAdd: string[];
    SecurityOpt: string[];
    NanoCpus: number;
    Memory: number;
    MemorySwap: number;
    PidsLimit: number;
    GroupAdd?: string[];
    UsernsMode?: string;
    Runtime?: string;
    NetworkMode?: string;
    Init?: boolean;
    ReadonlyRootfs?: boolean;
  };
}

export type ContainerState =
  | 'created'
  | 'running'
  | 'paused'
  | 'restarting'
  | 'removing'
  | 'exited'
  | 'dead'
  | 'stopped'
  | 'configured'
  | 'stopping'
  | 'unknown';

export interface ContainerSummary {
  id: string;
  /** Without the leading slash. */
  name: string;
  state: ContainerState;
  labels: Record<string, string>;
  image: string;
}

export interface ContainerDetails extends ContainerSummary {
  running: boolean;
  /** ISO time, when it ever started. */
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** The kernel's OOM killer ended it (Podman on cgroup v1 never says so: see list-agents.ts). */
  oomKilled?: boolean;
  /** Its main process as the engine's host sees it, while it runs (or is stopping). */
  pid?: number;
  /** healthy | unhealthy | starting, when the image has a health check. */
  health?: string;
  /** Consecutive failed health checks, and how many the image allows (its --retries; 0: not set). */
  healthStreak?: { failing: number; retries: number };
  /** Why it does not run yet, in the backend's words (Kubernetes: the scheduler's or the kubelet's reason). */
  stateReason?: string;
  user: string;
  env: string[];
  tty: boolean;
  hostConfig: {
    nanoCpus: number;
    memory: number;
    pidsLimit: number;
  };
  /** The whole inspect document as the engine returned it (tests and --verbose). */
  raw: unknown;
}

export interface VolumeSummary {
  name: string;
  labels: Record<string, string>;
}

export type LabelFilter = Record<string, string | true>;

export interface ContainerOperations {
  /** Creates a container; ConflictError (CONTAINER_NAME_TAKEN) when the name is taken. */
  createContainer(spec: ContainerSpec): Promise<{ id: string }>;
  /**
   * Starts it. A backend that waits for the start itself (Kubernetes: until the Pod runs) stops
   * waiting at `timeoutMs` (`--wait-timeout`) and at once when `signal` aborts.
   */
  startContainer(id: string, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<void>;
  /** Stops with SIGTERM, then kills after timeoutSeconds (given explicitly: Podman waits it fully). */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string, options?: { force?: boolean }): Promise<void>;
  /** Undefined when there is no such container. */
  inspectContainer(nameOrId: string): Promise<ContainerDetails | undefined>;
  listContainers(options: { labels: LabelFilter; all: boolean }): Promise<ContainerSummary[]>;
  /**
   * The OCI runtime the engine will run the container with, as the engine itself records it
   * (Docker: HostConfig.Runtime; Podman: libpod's OCIRuntime, since its Docker-compatible inspect
   * says only "oci"); undefined when the engine does not say.
   */
  fetchOciRuntime(id: string): Promise<string | undefined>;
  /** Extracts a tar archive into the (created or running) container at path. */
  putArchive(id: string, path: string, archive: Buffer): Promise<void>;
  /** Creates a volume; false when it already existed (its labels are then left as they were). */
  createVolume(name: string, labels: Record<string, string>): Promise<boolean>;
  inspectVolume(name: string): Promise<VolumeSummary | undefined>;
  listVolumes(labels: LabelFilter): Promise<VolumeSummary[]>;
  removeVolume(name: string): Promise<void>;
  /**
   * Runs the container's health check once (Podman only; Docker runs its own). Podman schedules
   * health checks with systemd timers, so without systemd (containers, WSL, CI) they never run.
   */
  runHealthCheck?(id: string): Promise<void>;
}
