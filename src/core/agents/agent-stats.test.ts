import { describe, expect, it } from 'vitest';
import { fakeRuntime } from '../../../test/helpers/fake-runtime.js';
import type { ContainerDetails } from '../../runtime/container-operations.js';
import type { ContainerStatsSample } from '../../runtime/stats-operations.js';
import { EngineError, NotFoundError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import { cpuPercentBetween, fetchAgentStats, watchAgentStats } from './agent-stats.js';

function details(name: string, running = true): ContainerDetails {
  return {
    id: `${name}-id-0123456789`,
    name: `agentctl-${name}`,
    state: running ? 'running' : 'exited',
    running,
    labels: { [LABELS.managed]: 'true', [LABELS.agent]: name },
    image: 'agent:1',
    user: '1000:1000',
    env: [],
    tty: false,
    openStdin: false,
    hostConfig: { nanoCpus: 0, memory: 64 * 1024 * 1024, pidsLimit: 100 },
    spec: {} as ContainerDetails['spec'],
    raw: {},
  };
}

function sample(readAt: number, cpuNanoseconds: number, overrides: Partial<ContainerStatsSample> = {}) {
  return {
    readAt,
    cpuNanoseconds,
    onlineCpus: 2,
    memoryBytes: 48 * 1024 * 1024,
    memoryLimitBytes: null,
    pids: 4,
    pidsLimit: null,
    network: { rxBytes: 1, txBytes: 2 },
    blockIo: { readBytes: 3, writeBytes: 4 },
    ...overrides,
  } satisfies ContainerStatsSample;
}

describe('cpuPercentBetween', () => {
  it('is the CPU time used between the readings as a share of one CPU', () => {
    expect(cpuPercentBetween(sample(1000, 0), sample(2000, 500_000_000))).toBe(50);
    expect(cpuPercentBetween(sample(1000, 0), sample(2000, 1_500_000_000))).toBe(150);
  });
  it('is null for readings taken at the same time or a counter that went back (a restart)', () => {
    expect(cpuPercentBetween(sample(1000, 0), sample(1000, 5))).toBeNull();
    expect(cpuPercentBetween(sample(1000, 9), sample(2000, 5))).toBeNull();
  });
});

describe('fetchAgentStats', () => {
  const sleeps: number[] = [];
  const sleep = async (ms: number) => void sleeps.push(ms);

  it('reads every running agent twice, a gap apart, and fills the limits the engine leaves out from the container', async () => {
    const readings = new Map([
      ['a-id-0123456789', [sample(1000, 0), sample(2000, 250_000_000)]],
      ['b-id-0123456789', [sample(1000, 0, { memoryLimitBytes: 128 * 1024 * 1024, pidsLimit: 7 })]],
    ]);
    readings.get('b-id-0123456789')!.push(sample(3000, 0, { memoryLimitBytes: 128 * 1024 * 1024, pidsLimit: 7 }));
    const runtime = fakeRuntime({
      listContainers: async () => [details('b'), details('a')],
      inspectContainer: async (id) => details(id.split('-')[0]!),
      stats: { fetchStats: async (id) => readings.get(id)!.shift()! },
    });
    const stats = await fetchAgentStats({ runtime, sleep }, { names: [], firstGapMs: 700 });
    expect(sleeps).toEqual([700]);
    expect(stats.map((agent) => agent.name)).toEqual(['a', 'b']);
    expect(stats[0]).toMatchObject({
      cpuPercent: 25,
      memory: { usageBytes: 48 * 1024 * 1024, limitBytes: 64 * 1024 * 1024, percent: 75 },
      pids: { current: 4, limit: 100 },
      network: { rxBytes: 1, txBytes: 2 },
      readAt: new Date(2000).toISOString(),
    });
    expect(stats[1]).toMatchObject({ cpuPercent: 0, memory: { percent: 37.5 }, pids: { limit: 7 } });
  });

  it('rootless Podman on cgroup v1 has no figures of one container: STATS_UNAVAILABLE, nothing read', async () => {
    const runtime = fakeRuntime({ kind: 'podman' });
    await expect(
      fetchAgentStats(
        { runtime, sleep, engineInfo: async () => ({ rootless: true, cgroupVersion: '1' }) },
        { names: [], firstGapMs: 1 },
      ),
    ).rejects.toMatchObject({
      code: 'STATS_UNAVAILABLE',
      kind: 'resources',
      message:
        'agentctl stats has no figures of one agent here: rootless Podman on cgroup v1 keeps no cgroup per container',
      hint: expect.stringContaining('cgroup v2'),
    });
    // Rootless on cgroup v2, it reads as anywhere.
    const v2 = fakeRuntime({ kind: 'podman', listContainers: async () => [] });
    expect(
      await fetchAgentStats(
        { runtime: v2, sleep, engineInfo: async () => ({ rootless: true, cgroupVersion: '2' }) },
        { names: [], firstGapMs: 1 },
      ),
    ).toEqual([]);
  });

  it('shows a named agent that does not run with its state and no numbers, and never asks the engine for its stats', async () => {
    const runtime = fakeRuntime({
      inspectContainer: async () => details('idle', false),
    });
    const [stats] = await fetchAgentStats({ runtime, sleep }, { names: ['idle'], firstGapMs: 1 });
    expect(stats).toMatchObject({ name: 'idle', state: 'exited', cpuPercent: null, memory: null, pids: null });
  });

  it('leaves out an agent removed between the list and its reading, unless it was named', async () => {
    const gone = () =>
      Promise.reject(new NotFoundError('AGENT_NOT_FOUND', 'gone', { hint: 'Run `agentctl ls --all`' }));
    const inspections =
      (...answers: Array<ContainerDetails | undefined>) =>
      async () =>
        answers.shift();
    const listed = fakeRuntime({
      listContainers: async () => [details('a')],
      inspectContainer: inspections(details('a'), undefined),
      stats: { fetchStats: gone },
    });
    expect(await fetchAgentStats({ runtime: listed, sleep }, { names: [], firstGapMs: 1 })).toEqual([]);
    const named = fakeRuntime({ inspectContainer: inspections(details('a'), undefined), stats: { fetchStats: gone } });
    await expect(fetchAgentStats({ runtime: named, sleep }, { names: ['a'], firstGapMs: 1 })).rejects.toMatchObject({
      code: 'AGENT_NOT_FOUND',
    });
  });

  it('shows an agent that stopped while it was read (Podman fails the reading) with its new state; a failure while it runs is an error', async () => {
    const refused = () => Promise.reject(new EngineError('ENGINE_FAILED', 'container state improper', { hint: 'x' }));
    const stopped = fakeRuntime({
      listContainers: async () => [details('a')],
      inspectContainer: async () => details('a', false),
      stats: { fetchStats: refused },
    });
    // The list said running; the inspection after the failed reading says it exited.
    const listedRunning = {
      ...stopped,
      inspectContainer: (
        (count = 0) =>
        async () =>
          details('a', count++ === 0)
      )(),
    };
    const [agent] = await fetchAgentStats({ runtime: listedRunning, sleep }, { names: [], firstGapMs: 1 });
    expect(agent).toMatchObject({ name: 'a', state: 'exited', memory: null });
    const running = fakeRuntime({
      inspectContainer: async () => details('a'),
      stats: { fetchStats: refused },
    });
    await expect(fetchAgentStats({ runtime: running, sleep }, { names: ['a'], firstGapMs: 1 })).rejects.toMatchObject({
      code: 'ENGINE_FAILED',
    });
  });
});

describe('watchAgentStats', () => {
  it('yields a reading per interval against the one before, and ends when the signal aborts', async () => {
    const controller = new AbortController();
    let cpu = 0;
    let clock = 0;
    const runtime = fakeRuntime({
      inspectContainer: async () => details('a'),
      stats: { fetchStats: async () => sample((clock += 1000), (cpu += 100_000_000)) },
    });
    const seen: Array<number | null> = [];
    for await (const stats of watchAgentStats(
      { runtime, sleep: async () => undefined },
      { names: ['a'], firstGapMs: 1, intervalMs: 1, signal: controller.signal },
    )) {
      seen.push(stats[0]!.cpuPercent);
      if (seen.length === 3) controller.abort();
    }
    expect(seen).toEqual([10, 10, 10]);
  });
});
