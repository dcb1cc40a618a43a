import type Dockerode from 'dockerode';
import { NotFoundError } from '../shared/errors.js';
import { engineError, statusOf } from './engine-errors.js';
import { getEngineHttp } from './engine-http.js';
import type { ContainerStatsSample, StatsOperations } from './stats-operations.js';

/** The parts of the engine's stats document agentctl reads (Docker's and Podman's compat answer). */
interface EngineStats {
  read?: string;
  pids_stats?: { current?: number; limit?: number };
  blkio_stats?: { io_service_bytes_recursive?: { op?: string; value?: number }[] | null };
  cpu_stats?: { cpu_usage?: { total_usage?: number }; online_cpus?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

// A PID limit of 0 or a huge one means none; Docker reports "max" as 2^64-1 on cgroup v2.
const NO_LIMIT = 2 ** 53;

/** The engine's stats document as a sample; `now` when the engine gives no reading time. */
export function toStatsSample(raw: EngineStats, now: number): ContainerStatsSample {
  const memory = raw.memory_stats ?? {};
  const usage = memory.usage ?? 0;
  // As the docker CLI counts it: the inactive page cache (cgroup v1 total_inactive_file, v2 inactive_file) is not "used".
  const inactive = memory.stats?.total_inactive_file ?? memory.stats?.inactive_file ?? 0;
  const read = Date.parse(raw.read ?? '');
  const blockIo = { readBytes: 0, writeBytes: 0 };
  for (const entry of raw.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = (entry.op ?? '').toLowerCase();
    if (op === 'read') blockIo.readBytes += entry.value ?? 0;
    if (op === 'write') blockIo.writeBytes += entry.value ?? 0;
  }
  const network = { rxBytes: 0, txBytes: 0 };
  for (const item of Object.values(raw.networks ?? {})) {
    network.rxBytes += item.rx_bytes ?? 0;
    network.txBytes += item.tx_bytes ?? 0;
  }
  const pidsLimit = raw.pids_stats?.limit;
  return {
    readAt: Number.isNaN(read) || read <= 0 ? now : read,
    cpuNanoseconds: raw.cpu_stats?.cpu_usage?.total_usage ?? 0,
    onlineCpus: raw.cpu_stats?.online_cpus || null,
    memoryBytes: inactive < usage ? usage - inactive : usage,
    memoryLimitBytes: memory.limit || null,
    pids: raw.pids_stats?.current ?? 0,
    pidsLimit: pidsLimit && pidsLimit < NO_LIMIT ? pidsLimit : null,
    network,
    blockIo,
  };
}

/**
 * Stats over the engine API. `one-shot` (API 1.41) makes Docker answer at once instead of
 * waiting a second to fill in its own previous reading; agentctl takes two readings itself.
 */
export function createDockerodeStatsOperations(getDocker: () => Promise<Dockerode>): StatsOperations {
  return {
    async fetchStats(id, signal) {
      const docker = await getDocker();
      try {
        const raw = await getEngineHttp(docker).fetchJson({
          method: 'GET',
          path: `/containers/${encodeURIComponent(id)}/stats?stream=false&one-shot=true`,
          ...(signal ? { signal } : {}),
        });
        // A container that does not run: Podman answers with no body, Docker with a reading of year 1.
        const stats = raw as EngineStats | undefined;
        if (!stats || typeof stats !== 'object' || !(Date.parse(stats.read ?? '') > 0)) return undefined;
        return toStatsSample(stats, Date.now());
      } catch (error) {
        if (statusOf(error) === 404)
          throw new NotFoundError('AGENT_NOT_FOUND', `The agent's container ${id.slice(0, 12)} is gone`, {
            hint: 'Run `agentctl ls --all` to see your agents',
            cause: error,
          });
        throw engineError("read the container's resource use", error);
      }
    },
  };
}
