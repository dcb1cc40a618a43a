import { describe, expect, it } from 'vitest';
import { fakeLookup, fakeRuntime } from '../../../test/helpers/fake-runtime.js';
import { restartAgents } from './stop-agent.js';

describe('restartAgents', () => {
  const selection = { names: ['fixer'], all: false, timeoutSeconds: 0, waitTimeoutMs: 5_000 };

  it('makes the start ready before the stop, and runs its after-start hook once the agent runs again', async () => {
    const calls: string[] = [];
    const lookup = fakeLookup([{ agent: 'fixer' }]);
    const runtime = fakeRuntime({
      ...lookup,
      async inspectContainer(nameOrId) {
        const details = await lookup.inspectContainer(nameOrId);
        return details && { ...details, startedAt: calls.includes('start') ? '2026-12-04T01:00:00Z' : undefined };
      },
      stopContainer: async () => void calls.push('stop'),
      startContainer: async () => void calls.push('start'),
    });
    const restarted = await restartAgents(
      {
        runtime,
        async prepareStart(details) {
          calls.push(`prepare ${details.id}`);
          return { afterStart: async (id) => void calls.push(`after ${id}`) };
        },
      },
      selection,
    );
    expect(calls).toEqual(['prepare id-fixer', 'stop', 'start', 'after id-fixer']);
    expect(restarted).toEqual([expect.objectContaining({ name: 'fixer', state: 'running' })]);
  });

  it('a start that cannot be made ready (the gateway lost the registration) leaves the agent running', async () => {
    const calls: string[] = [];
    const runtime = fakeRuntime({
      ...fakeLookup([{ agent: 'fixer' }]),
      stopContainer: async () => void calls.push('stop'),
      startContainer: async () => void calls.push('start'),
    });
    const lost = Object.assign(new Error('The egress gateway no longer knows agent fixer'), {
      code: 'EGRESS_REGISTRATION_LOST',
    });
    await expect(
      restartAgents(
        {
          runtime,
          prepareStart: () => Promise.reject(lost),
        },
        selection,
      ),
    ).rejects.toBe(lost);
    expect(calls).toEqual([]);
  });
});
