/** What the engine says about its host (GET /info). */
export interface EngineInfo {
  /** The engine host's name; equal to the local hostname when the engine runs on this machine. */
  name: string;
  /** Where images and containers live on the engine's host (Docker's DockerRootDir, Podman's graph root). */
  storageRoot: string;
  storageDriver: string;
  /** The engine runs without root (rootless Docker or rootless Podman). */
  rootless: boolean;
  /** e.g. name=seccomp,profile=default · name=apparmor · name=selinux · name=rootless */
  securityOptions: string[];
  /** "1" or "2" (undefined when the engine does not say). */
  cgroupVersion?: string;
  cgroupDriver?: string;
  operatingSystem?: string;
  serverVersion?: string;
  /** The OCI runtimes the engine knows by name (GET /info `Runtimes`); undefined when it does not say. */
  runtimes?: string[];
  /** The runtime a container gets when none is asked for. */
  defaultRuntime?: string;
  /** CPUs of the engine's host (NCPU): Docker refuses a CPU limit above it. */
  cpus?: number;
  /**
   * The engine's default log driver takes a size limit per container (Docker's json-file and
   * local; Podman, whose compat /info names no driver, takes max-size for its k8s-file). False:
   * journald, syslog or a remote driver, which keep the logs outside the container's files.
   */
  boundedLogs?: boolean;
}

/**
 * Engine-level operations of a ContainerRuntime. Implemented for the engine API in dockerode-engine.ts.
 */
export interface EngineOperations {
  /** The engine's account of its host: storage root, rootless, security options, cgroup version. */
  fetchEngineInfo(): Promise<EngineInfo>;
}
