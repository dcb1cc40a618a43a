import { describe, expect, it } from 'vitest';
import { LABELS } from '../../shared/labels.js';
import { decideWorktree, type ExistingAgent, type WorktreeDecisionInput } from './decide-worktree.js';

const checkout = '/home/u/project';
function agent(name: string, labels: Record<string, string>): ExistingAgent {
  return { name, labels: { [LABELS.agent]: name, ...labels } };
}
const writer = agent('w1', { [LABELS.workspace]: checkout });
const reader = agent('r1', { [LABELS.workspace]: checkout, [LABELS.readOnly]: 'true' });
const inWorktree = agent('t1', { [LABELS.workspace]: checkout, [LABELS.worktree]: '/data/wt/p/t1' });
const elsewhere = agent('o1', { [LABELS.workspace]: '/home/u/other' });

function decide(overrides: Partial<WorktreeDecisionInput>) {
  return decideWorktree({
    mode: 'auto',
    requested: undefined,
    readOnly: false,
    checkout,
    workspace: checkout,
    agents: [],
    ...overrides,
  });
}

describe('decideWorktree', () => {
  it('auto: the first writer uses the checkout, a second writer gets a worktree', () => {
    expect(decide({ agents: [reader, inWorktree, elsewhere] })).toEqual({ useWorktree: false, reason: 'first-writer' });
    expect(decide({ agents: [writer] })).toEqual({ useWorktree: true, reason: 'checkout-in-use' });
  });

  it('sees a writer started in a subdirectory of the same checkout', () => {
    const sub = agent('w2', { [LABELS.workspace]: `${checkout}/src` });
    expect(decide({ agents: [sub] }).useWorktree).toBe(true);
    expect(decide({ agents: [agent('w3', { [LABELS.workspace]: `${checkout}-2` })] }).useWorktree).toBe(false);
  });

  it('read-only agents always share the checkout; --worktree with --read-only is a usage error', () => {
    expect(decide({ readOnly: true, agents: [writer], mode: 'always' })).toEqual({
      useWorktree: false,
      reason: 'read-only',
    });
    expect(() => decide({ readOnly: true, requested: true })).toThrow(
      expect.objectContaining({ code: 'USAGE_WORKTREE_READ_ONLY' }),
    );
  });

  it('always: every writer in a repository gets a worktree; outside one the checkout is shared by one writer', () => {
    expect(decide({ mode: 'always' })).toEqual({ useWorktree: true, reason: 'always' });
    expect(decide({ mode: 'always', checkout: undefined })).toEqual({ useWorktree: false, reason: 'not-a-repository' });
  });

  it('never (or --no-worktree) refuses a second writer on the same checkout with a hint', () => {
    expect(decide({ mode: 'never' })).toEqual({ useWorktree: false, reason: 'disabled' });
    for (const input of [{ mode: 'never' as const }, { requested: false }]) {
      expect(() => decide({ ...input, agents: [writer] })).toThrow(
        expect.objectContaining({
          code: 'CHECKOUT_IN_USE',
          kind: 'conflict',
          hint: expect.stringContaining('--worktree'),
        }),
      );
    }
  });

  it('--worktree wins over config never, and needs a repository', () => {
    expect(decide({ mode: 'never', requested: true })).toEqual({ useWorktree: true, reason: 'requested' });
    expect(() => decide({ requested: true, checkout: undefined })).toThrow(
      expect.objectContaining({ code: 'NOT_A_GIT_REPOSITORY' }),
    );
  });

  it('outside a repository a second writer on the same directory is refused', () => {
    expect(() => decide({ checkout: undefined, agents: [writer] })).toThrow(
      expect.objectContaining({ code: 'CHECKOUT_IN_USE' }),
    );
  });
});
