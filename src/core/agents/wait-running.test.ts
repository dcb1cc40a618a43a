import { describe, expect, it } from 'vitest';
import type { ContainerDetails } from '../../runtime/container-operations.js';
import { startOutcome, waitUntilRunning } from './wait-running.js';

function details(extra: Partial<ContainerDetails>): ContainerDetails {
  return {
    id: 'c1',
    name: 'agentctl-x',
    state: 'running',
    labels: {},
    image: 'img',
    running: true,
    user: '1000:1000',
    env: [],
    tty: true,
    openStdin: true,
    hostConfig: { nanoCpus: 0, memory: 0, pidsLimit: 0 },
    spec: { network: '', mounts: [], addCapabilities: [] },
    raw: {},
    ...extra,
  };
}

/** A runtime whose inspect answers come from a list, the last one repeated. */
function answers(list: (ContainerDetails | undefined)[]) {
  let index = 0;
  return {
    inspected: () => index,
    runtime: {
      async inspectContainer() {
        const answer = list[Math.min(index, list.length - 1)];
        index += 1;
        return answer;
      },
    },
  };
}

const clock = () => {
  let time = 0;
  return { now: () => time, sleep: async (ms: number) => void (time += ms) };
};

describe('waitUntilRunning', () => {
  it('waits out an unhealthy after fewer failed checks than Docker allows (Podman without --retries), running the check again', async () => {
    const early = details({ health: 'unhealthy', healthStreak: { failing: 1, retries: 0 } });
    const healthy = details({ health: 'healthy', healthStreak: { failing: 0, retries: 0 } });
    const { runtime } = answers([...Array.from({ length: 8 }, () => early), healthy]);
    let checks = 0;
    const result = await waitUntilRunning(
      { runtime: { ...runtime, runHealthCheck: async () => void (checks += 1) }, ...clock() },
      'c1',
      'x',
      30_000,
    );
    expect(result.health).toBe('healthy');
    expect(checks).toBeGreaterThan(0);
  });

  it('runs the check of a starting agent at once instead of waiting for the engine: healthy without a pause', async () => {
    const starting = details({ health: 'starting', healthStreak: { failing: 0, retries: 3 } });
    const { runtime, inspected } = answers([starting]);
    const time = clock();
    let checks = 0;
    const result = await waitUntilRunning(
      { runtime: { ...runtime, runHealthCheck: async () => ((checks += 1), 'healthy' as const) }, ...time },
      'c1',
      'x',
      30_000,
    );
    expect(result.health).toBe('healthy');
    expect(checks).toBe(1);
    expect(inspected()).toBe(1);
    expect(time.now()).toBe(0);
  });

  it("fails as unhealthy when its own checks of a starting agent fail as often as the image's retries", async () => {
    const { runtime } = answers([details({ health: 'starting', healthStreak: { failing: 0, retries: 2 } })]);
    let checks = 0;
    await expect(
      waitUntilRunning(
        { runtime: { ...runtime, runHealthCheck: async () => ((checks += 1), 'unhealthy' as const) }, ...clock() },
        'c1',
        'x',
        30_000,
      ),
    ).rejects.toMatchObject({ code: 'AGENT_UNHEALTHY' });
    expect(checks).toBe(2);
  });

  it("fails as unhealthy once the failed checks reach the image's retries (3 when it sets none)", async () => {
    for (const streak of [
      { failing: 3, retries: 0 },
      { failing: 2, retries: 2 },
    ]) {
      const { runtime } = answers([details({ health: 'unhealthy', healthStreak: streak })]);
      await expect(waitUntilRunning({ runtime, ...clock() }, 'c1', 'x', 30_000)).rejects.toMatchObject({
        code: 'AGENT_UNHEALTHY',
      });
    }
  });

  it('returns an agent that already ran and ended (a short command) as it is, not as a failed start', async () => {
    const ended = details({
      state: 'exited',
      running: false,
      exitCode: 3,
      startedAt: '2026-12-01T10:00:00Z',
      finishedAt: '2026-12-01T10:00:00.1Z',
    });
    const { runtime } = answers([ended]);
    const result = await waitUntilRunning({ runtime, ...clock() }, 'c1', 'x', 5000);
    expect(startOutcome(result)).toEqual({ state: 'exited', exitCode: 3, finishedAt: '2026-12-01T10:00:00.1Z' });
  });

  it("does not take the end of a stopped agent's previous run for the end of this one", async () => {
    const before = '2026-12-01T09:00:00Z';
    const stale = details({ state: 'exited', running: false, exitCode: 0, startedAt: before });
    const fresh = details({ state: 'exited', running: false, exitCode: 4, startedAt: '2026-12-01T10:00:00Z' });
    const { runtime, inspected } = answers([stale, stale, fresh]);
    const result = await waitUntilRunning({ runtime, ...clock() }, 'c1', 'x', 5000, before);
    expect(result.exitCode).toBe(4);
    expect(inspected()).toBe(3);
  });

  it("times out when only the previous run's end is ever seen", async () => {
    const before = '2026-12-01T09:00:00Z';
    const { runtime } = answers([details({ state: 'exited', running: false, exitCode: 0, startedAt: before })]);
    await expect(waitUntilRunning({ runtime, ...clock() }, 'c1', 'x', 2000, before)).rejects.toMatchObject({
      code: 'START_TIMEOUT',
    });
  });

  it('AGENT_EXITED when the container is gone or dead', async () => {
    await expect(
      waitUntilRunning({ runtime: answers([undefined]).runtime, ...clock() }, 'c1', 'x', 5000),
    ).rejects.toMatchObject({ code: 'AGENT_EXITED', kind: 'engine' });
    const dead = details({ state: 'dead', running: false, exitCode: 137, startedAt: '2026-12-01T10:00:00Z' });
    await expect(
      waitUntilRunning({ runtime: answers([dead]).runtime, ...clock() }, 'c1', 'x', 5000),
    ).rejects.toMatchObject({ code: 'AGENT_EXITED' });
  });

  it('a running agent reports running with its health', async () => {
    const { runtime } = answers([
      details({ state: 'created', running: false }),
      details({ health: 'healthy', startedAt: '2026-12-01T10:00:00Z' }),
    ]);
    expect(startOutcome(await waitUntilRunning({ runtime, ...clock() }, 'c1', 'x', 5000))).toEqual({
      state: 'running',
      health: 'healthy',
    });
  });
});
