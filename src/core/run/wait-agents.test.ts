import { describe, expect, it } from 'vitest';
import { combinedExitCode, waitAgents, type WaitAgentsDeps } from './wait-agents.js';

/** A fake engine: each agent is running until its wait resolves with `code`. */
function fakeRuntime(agents: Record<string, { code: number; alreadyEnded?: boolean }>): WaitAgentsDeps['runtime'] {
  const ended = new Set(
    Object.entries(agents)
      .filter(([, agent]) => agent.alreadyEnded)
      .map(([name]) => name),
  );
  return {
    listContainers: async ({ labels }) => {
      const name = labels['io.agentctl.agent'];
      return typeof name === 'string' && agents[name]
        ? [{ id: name, name: `agentctl-${name}`, state: 'running', labels: {}, image: 'img' }]
        : [];
    },
    waitContainerExit: async (id) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      ended.add(id);
      return agents[id]!.code;
    },
    inspectContainer: async (id) =>
      ({
        id,
        name: `agentctl-${id}`,
        labels: { 'io.agentctl.managed': 'true', 'io.agentctl.agent': id },
        env: [],
        running: !ended.has(id),
        state: ended.has(id) ? 'exited' : 'running',
        exitCode: ended.has(id) ? agents[id]!.code : undefined,
        finishedAt: ended.has(id) ? '2026-01-01T00:00:00Z' : undefined,
      }) as never,
  };
}

describe('waitAgents', () => {
  it('returns each exit code; the combined code is the first non-zero in the order given', async () => {
    const ends = await waitAgents(
      { runtime: fakeRuntime({ a: { code: 0 }, b: { code: 4 }, c: { code: 2, alreadyEnded: true } }) },
      { names: ['a', 'b', 'c'] },
    );
    expect(ends.map((end) => [end.name, end.exitCode])).toEqual([
      ['a', 0],
      ['b', 4],
      ['c', 2],
    ]);
    expect(combinedExitCode(ends)).toBe(4);
    expect(combinedExitCode([{ name: 'a', exitCode: 0, finishedAt: null }])).toBe(0);
  });

  it('an unknown name fails before waiting on any (AGENT_NOT_FOUND)', async () => {
    await expect(
      waitAgents({ runtime: fakeRuntime({ a: { code: 0 } }) }, { names: ['a', 'ghost'] }),
    ).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND', kind: 'not-found' });
  });

  it('a timeout is a TimeoutError (exit 124)', async () => {
    const runtime = {
      ...fakeRuntime({ a: { code: 0 } }),
      waitContainerExit: () => new Promise<number>(() => undefined),
    };
    await expect(waitAgents({ runtime }, { names: ['a'], timeoutMs: 20 })).rejects.toMatchObject({
      code: 'WAIT_TIMEOUT',
      kind: 'timeout',
    });
  });
});
