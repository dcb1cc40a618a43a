import type { AgentFiles, AgentSpec, AgentSpecFacts, PublishedPort } from './agent-spec.js';

/**
 * Container and volume operations of a ContainerRuntime. Implemented for the engine API in
 * dockerode-containers.ts, for Kubernetes in kubernetes/kube-containers.ts. Engine failures surface as typed errors (ConflictError for a name taken,
 * NotFoundError for a missing object, EngineError otherwise).
 */

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

/** The outcome of one health check run. */
export type HealthCheckResult = 'healthy' | 'unhealthy';

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
  /** It keeps stdin open (created with a terminal: attachable). */
  openStdin: boolean;
  hostConfig: {
    nanoCpus: number;
    memory: number;
    pidsLimit: number;
  };
  /**
   * The host addresses and ports its published ports are bound to now (while it runs: a host port
   * 0 asked for is the one the engine picked); undefined where the backend publishes none.
   */
  boundPorts?: PublishedPort[];
  /**
   * Its IPv4 address on each network it is on, by network name, while it runs (the engine gives a
   * container its address at start); undefined where the backend does not say.
   */
  networkAddresses?: Record<string, string>;
  /** Its configuration in the agent spec's terms (what a start compares, what loosens it). */
  spec: AgentSpecFacts;
  /** The whole inspect document as the backend returned it (tests and --verbose; never read by core). */
  raw: unknown;
}

export interface VolumeSummary {
  name: string;
  labels: Record<string, string>;
}

export type LabelFilter = Record<string, string | true>;

export interface ContainerOperations {
  /**
   * Creates the agent's container from its spec, with its files in place and its home volume's
   * root owned by its user; ConflictError (CONTAINER_NAME_TAKEN) when the name is taken. Nothing
   * is left behind when it fails, as far as the engine answers: when the container was made but a
   * later step failed and removing it failed too (the engine went away), the error's
   * `details.container` is its id (`getHalfMadeContainer`), for the caller to remove once it can.
   */
  createContainer(spec: AgentSpec): Promise<{ id: string }>;
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
   * The list with each container's details, where the backend's list holds them all (Kubernetes:
   * one list of records and one of Pods), so that a listing inspects nothing one by one. Absent:
   * the caller inspects each listed container.
   */
  listContainerDetails?(options: { labels: LabelFilter; all: boolean }): Promise<ContainerDetails[]>;
  /**
   * The OCI runtime the engine will run the container with, as the engine itself records it
   * (Docker: HostConfig.Runtime; Podman: libpod's OCIRuntime, since its Docker-compatible inspect
   * says only "oci"); undefined when the engine does not say.
   */
  fetchOciRuntime(id: string): Promise<string | undefined>;
  /** Puts more files into a created (not yet started) agent, as `spec.files` does at create. */
  copyFiles(id: string, files: AgentFiles): Promise<void>;
  /** Creates a volume; false when it already existed (its labels are then left as they were). */
  createVolume(name: string, labels: Record<string, string>): Promise<boolean>;
  inspectVolume(name: string): Promise<VolumeSummary | undefined>;
  listVolumes(labels: LabelFilter): Promise<VolumeSummary[]>;
  removeVolume(name: string): Promise<void>;
  /**
   * Runs the container's health check once, now (the engine's own first check may be a whole
   * interval away, or never come: Podman schedules them with systemd timers). Undefined when the
   * container has no health check or the engine gave no answer.
   */
  runHealthCheck?(id: string): Promise<HealthCheckResult | undefined>;
}

/** The id of a container `createContainer` made before it failed, and could not remove. */
export function getHalfMadeContainer(error: unknown): string | undefined {
  const details = (error as { details?: Record<string, unknown> } | undefined)?.details;
  return typeof details?.container === 'string' ? details.container : undefined;
}
