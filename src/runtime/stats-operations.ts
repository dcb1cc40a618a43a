/**
 * One reading of a container's resource use, in no engine's terms. CPU time is a counter: a
 * percentage comes from two readings (core/agents/agent-stats.ts). Numbers the engine does not
 * report are null.
 */
export interface ContainerStatsSample {
  /** When the engine took the reading (ms since the epoch). */
  readAt: number;
  /** CPU time the container used since it started, in nanoseconds (all CPUs together). */
  cpuNanoseconds: number;
  /** CPUs the engine's host has online. */
  onlineCpus: number | null;
  /** Memory in use, without the page cache the kernel reclaims first (as `docker stats` counts it). */
  memoryBytes: number;
  /** The memory limit the kernel holds it to (the host's memory when it has none). */
  memoryLimitBytes: number | null;
  pids: number;
  /** The engine's PID limit; null when the engine does not say (Podman 4: ask the container). */
  pidsLimit: number | null;
  network: { rxBytes: number; txBytes: number };
  blockIo: { readBytes: number; writeBytes: number };
}

/**
 * Resource readings (`agentctl stats`): the engine's GET /containers/{id}/stats in
 * dockerode-stats.ts; the Kubernetes runtime refuses with KUBERNETES_UNSUPPORTED.
 */
export interface StatsOperations {
  /**
   * One reading of a container; undefined when it does not run. NotFoundError AGENT_NOT_FOUND when
   * it is gone.
   */
  fetchStats(id: string, signal?: AbortSignal): Promise<ContainerStatsSample | undefined>;
}
