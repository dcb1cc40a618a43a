import path from 'node:path';
import { LABELS } from '../../shared/labels.js';
import { ConflictError, UsageError } from '../../shared/errors.js';

export type WorktreeMode = 'auto' | 'always' | 'never';

/** An existing agent as its container labels describe it. */
export interface ExistingAgent {
  name: string;
  labels: Readonly<Record<string, string>>;
}

export interface WorktreeDecisionInput {
  /** Config `worktree`. */
  mode: WorktreeMode;
  /** `--worktree` (true) / `--no-worktree` (false); undefined when neither was given. */
  requested: boolean | undefined;
  readOnly: boolean;
  /** Top level of the workspace's git checkout; undefined when the workspace is not in a repository. */
  checkout: string | undefined;
  /** The workspace directory the agent is started on (absolute). */
  workspace: string;
  /** All existing agents (running or not): their checkouts count as in use until removed. */
  agents: readonly ExistingAgent[];
}

export type WorktreeDecision =
  | { useWorktree: true; reason: 'requested' | 'always' | 'checkout-in-use' }
  | { useWorktree: false; reason: 'read-only' | 'first-writer' | 'not-a-repository' | 'disabled' };

/**
 * Whether a new agent gets its own worktree. Read-only agents share the checkout. Otherwise, with
 * `auto`, the first writing agent on a checkout works in it directly and each further writing agent
 * gets a worktree; `always` gives every writing agent in a repository a worktree; `never` (or
 * `--no-worktree`) refuses a second writing agent on a checkout. Pure: decided over existing labels.
 */
export function decideWorktree(input: WorktreeDecisionInput): WorktreeDecision {
  if (input.readOnly) {
    if (input.requested === true) {
      throw new UsageError('USAGE_WORKTREE_READ_ONLY', '--worktree cannot be combined with --read-only', {
        hint: 'Read-only agents share the checkout: drop --worktree (or --read-only to let the agent write)',
      });
    }
    return { useWorktree: false, reason: 'read-only' };
  }
  if (input.requested === true) {
    if (!input.checkout) throw notARepositoryError(input.workspace);
    return { useWorktree: true, reason: 'requested' };
  }
  const directory = input.checkout ?? input.workspace;
  const writers = input.agents.filter((agent) => writesDirectlyTo(agent, directory));
  const disabled = input.requested === false || input.mode === 'never';
  if (!disabled && input.checkout && input.mode === 'always') return { useWorktree: true, reason: 'always' };
  if (writers.length === 0) {
    if (disabled) return { useWorktree: false, reason: 'disabled' };
    return { useWorktree: false, reason: input.checkout ? 'first-writer' : 'not-a-repository' };
  }
  if (!disabled && input.checkout) return { useWorktree: true, reason: 'checkout-in-use' };
  throw checkoutInUseError(directory, writers, Boolean(input.checkout));
}

/** CHECKOUT_IN_USE: `writers` already write to `directory` directly. */
export function checkoutInUseError(directory: string, writers: readonly ExistingAgent[], inRepository: boolean) {
  const names = writers.map((agent) => agent.name).join(', ');
  const ways = inRepository ? 'start it with --worktree, or with --read-only' : 'start it with --read-only';
  return new ConflictError('CHECKOUT_IN_USE', `Agent ${names} already writes to ${directory}`, {
    hint: `Two writing agents on one checkout overwrite each other: ${ways}, or remove ${names} first (\`agentctl rm\`)`,
    details: { checkout: directory, agents: writers.map((agent) => agent.name) },
  });
}

/** A writing agent without a worktree whose workspace overlaps `directory`. */
export function writesDirectlyTo(agent: ExistingAgent, directory: string): boolean {
  const labels = agent.labels;
  if (labels[LABELS.readOnly] === 'true' || labels[LABELS.worktree]) return false;
  const workspace = labels[LABELS.workspace];
  if (!workspace) return false;
  return isSameOrInside(workspace, directory) || isSameOrInside(directory, workspace);
}

function isSameOrInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function notARepositoryError(workspace: string): UsageError {
  return new UsageError('NOT_A_GIT_REPOSITORY', `--worktree needs a git repository, and ${workspace} is not in one`, {
    hint: 'Run `git init` there (and commit), or start without --worktree',
    details: { workspace },
  });
}
