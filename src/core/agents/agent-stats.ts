import type { ContainerDetails } from '../../runtime/container-operations.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { EngineInfo } from '../../runtime/engine-operations.js';
import type { ContainerStatsSample } from '../../runtime/stats-operations.js';
import { NotFoundError, ResourceError } from '../../shared/errors.js';
import { getLimitsIgnoredReason } from './limits-enforcement.js';
import { agentNameFromDetails, lookupAgents, lookupAllAgents, type LookupRuntime } from './agent-lookup.js';

/** What `agentctl stats` shows of one agent. Null where the agent does not run (or the engine does not say). */
export interface AgentStats {
  name: string;
  container: string;
  id: string;
  state: string;
  /** CPU time used between the two readings, as a share of one CPU (200: two CPUs busy). */
  cpuPercent: number | null;
  memory: { usageBytes: number; limitBytes: number | null; percent: number | null } | null;
  pids: { current: number; limit: number | null } | null;
  network: { rxBytes: number; txBytes: number } | null;
  blockIo: { readBytes: number; writeBytes: number } | null;
  /** When the reading was taken (ISO). */
  readAt: string | null;
}

export interface AgentStatsDeps {
  runtime: LookupRuntime & Pick<ContainerRuntime, 'stats' | 'kind'>;
  /**
   * The engine's info (rootless, cgroup version): an engine that keeps no cgroup per container
   * has no figures of one agent. Absent: not asked.
   */
  engineInfo?(): Promise<Pick<EngineInfo, 'rootless' | 'cgroupVersion'>>;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface AgentStatsOptions {
  /** The agents to watch; none: every running agent (listed again on each reading). */
  names: string[];
  /** Between the first two readings (a CPU percentage needs two). */
  firstGapMs: number;
  /** Between later readings. */
  intervalMs: number;
  signal?: AbortSignal;
}

interface Reading {
  details: ContainerDetails;
  /** Undefined when it does not run. */
  sample?: ContainerStatsSample;
}

function agentGone(name: string, cause: unknown): NotFoundError {
  return new NotFoundError('AGENT_NOT_FOUND', `Agent ${name} went away while it was being read`, {
    hint: 'Run `agentctl ls --all` to see your agents',
    cause,
  });
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The CPU share between two readings of one container (wall clock between the engine's reading times). */
export function cpuPercentBetween(first: ContainerStatsSample, second: ContainerStatsSample): number | null {
  const elapsedNanoseconds = (second.readAt - first.readAt) * 1e6;
  const used = second.cpuNanoseconds - first.cpuNanoseconds;
  if (elapsedNanoseconds <= 0 || used < 0) return null;
  return round((used / elapsedNanoseconds) * 100, 2);
}

/** One agent's stats from its container and its latest reading (and the one before, for CPU). */
export function toAgentStats(
  details: ContainerDetails,
  sample: ContainerStatsSample | undefined,
  previous: ContainerStatsSample | undefined,
): AgentStats {
  const base = {
    name: agentNameFromDetails(details),
    container: details.name,
    id: details.id.slice(0, 12),
    state: details.state,
  };
  if (!sample)
    return { ...base, cpuPercent: null, memory: null, pids: null, network: null, blockIo: null, readAt: null };
  // The limit the agent was given when the engine reports the host's memory instead (no cgroup limit seen).
  const limitBytes = sample.memoryLimitBytes ?? (details.hostConfig.memory || null);
  const pidsLimit = sample.pidsLimit ?? (details.hostConfig.pidsLimit > 0 ? details.hostConfig.pidsLimit : null);
  return {
    ...base,
    cpuPercent: previous ? cpuPercentBetween(previous, sample) : null,
    memory: {
      usageBytes: sample.memoryBytes,
      limitBytes,
      percent: limitBytes ? round((sample.memoryBytes / limitBytes) * 100, 2) : null,
    },
    pids: { current: sample.pids, limit: pidsLimit },
    network: sample.network,
    blockIo: sample.blockIo,
    readAt: new Date(sample.readAt).toISOString(),
  };
}

async function targets(runtime: LookupRuntime, names: string[]): Promise<ContainerDetails[]> {
  const found = names.length > 0 ? await lookupAgents(runtime, names) : await lookupAllAgents(runtime, false);
  return found.sort((a, b) => agentNameFromDetails(a).localeCompare(agentNameFromDetails(b)));
}

/**
 * Readings of the agents, one list per round, until `signal` aborts (the live view) or the caller
 * stops asking (one sample: take the first). The first list comes after two readings `firstGapMs`
 * apart, so that it has CPU percentages. An agent that goes away is left out when no names were
 * given; a named one that goes away is AGENT_NOT_FOUND.
 */
export async function* watchAgentStats(
  deps: AgentStatsDeps,
  options: AgentStatsOptions,
): AsyncGenerator<AgentStats[], void, undefined> {
  const previous = new Map<string, ContainerStatsSample>();
  /** A reading of one agent; null: it went away (and was not named). */
  const readOne = async (item: ContainerDetails): Promise<Reading | null> => {
    if (!item.running) return { details: item };
    try {
      const sample = await deps.runtime.stats.fetchStats(item.id, options.signal);
      return sample ? { details: item, sample } : { details: item };
    } catch (error) {
      // It may have stopped or gone between the list and its reading (Podman then fails the reading).
      const now = await deps.runtime.inspectContainer(item.id).catch(() => undefined);
      if (now?.running) throw error;
      if (now) return { details: now };
      if (options.names.length === 0) return null;
      throw error instanceof NotFoundError ? error : agentGone(agentNameFromDetails(item), error);
    }
  };
  const read = (details: ContainerDetails[]) => Promise.all(details.map(readOne));
  if (deps.engineInfo) await checkMeasurable(deps.runtime.kind, await deps.engineInfo());
  let first = true;
  while (!options.signal?.aborted) {
    const details = await targets(deps.runtime, options.names);
    if (first) {
      for (const reading of await read(details)) if (reading?.sample) previous.set(reading.details.id, reading.sample);
      await deps.sleep(options.firstGapMs, options.signal);
      if (options.signal?.aborted) return;
      first = false;
    }
    const stats: AgentStats[] = [];
    for (const reading of await read(details)) {
      if (!reading) continue;
      const id = reading.details.id;
      stats.push(toAgentStats(reading.details, reading.sample, previous.get(id)));
      if (reading.sample) previous.set(id, reading.sample);
    }
    yield stats;
    await deps.sleep(options.intervalMs, options.signal);
  }
}

/**
 * Rootless on cgroup v1 a container has no cgroup of its own: the engine's figures are not the
 * agent's (Podman's own `podman stats` refuses: "container stats resource only available for
 * cgroup v2"), so none are shown as if they were. STATS_UNAVAILABLE (exit 12).
 */
async function checkMeasurable(kind: string, info: Pick<EngineInfo, 'rootless' | 'cgroupVersion'>): Promise<void> {
  if (!getLimitsIgnoredReason(kind, info)) return;
  throw new ResourceError(
    'STATS_UNAVAILABLE',
    `agentctl stats has no figures of one agent here: rootless ${kind === 'podman' ? 'Podman' : 'Docker'} on cgroup v1 keeps no cgroup per container`,
    { hint: 'Boot the host with cgroup v2 (systemd.unified_cgroup_hierarchy=1) or use a rootful engine' },
  );
}

/** One reading of the agents (two engine readings apart by `firstGapMs`), for `--no-stream` and `--json`. */
export async function fetchAgentStats(
  deps: AgentStatsDeps,
  options: Omit<AgentStatsOptions, 'intervalMs'>,
): Promise<AgentStats[]> {
  for await (const stats of watchAgentStats(deps, { ...options, intervalMs: 0 })) return stats;
  return [];
}
