import { existsSync } from 'node:fs';
import path from 'node:path';
import { UnsafeOperationError } from '../errors.js';
import { gitFailed, type GitRunner } from './git.js';
import { withRepositoryLock } from './repository-lock.js';
import { inspectWorktree, isWorktreeClean, type WorktreeLocation, type WorktreeState } from './inspect-worktree.js';

export interface RemoveWorktreeOptions {
  /** The agent the worktree belongs to (for messages). */
  agent: string;
  /** Remove even when uncommitted files or unmerged commits would be lost. */
  force?: boolean;
  /** Keep the branch (and so its commits); only the worktree directory goes. */
  keepBranch?: boolean;
}

export interface RemoveWorktreeResult {
  path: string;
  branch: string;
  /** True when the branch was deleted. */
  deletedBranch: boolean;
  /** Why the branch was kept although deletion was asked for (e.g. checked out elsewhere). */
  branchKeptReason: string | undefined;
  /** What was inspected before removing (what --force threw away, when forced). */
  state: WorktreeState;
}

/**
 * Removes an agent's worktree and its branch, but only when nothing would be lost: otherwise throws
 * UnsafeOperationError (exit 9) naming the uncommitted files and unmerged commits, unless `force`.
 */
export async function removeAgentWorktree(
  git: GitRunner,
  location: WorktreeLocation,
  options: RemoveWorktreeOptions,
): Promise<RemoveWorktreeResult> {
  const state = await inspectWorktree(git, location);
  const keepBranch = options.keepBranch ?? false;
  if (!options.force && !isWorktreeClean(state, keepBranch)) {
    throw unsafeRemovalError(options.agent, location, state, keepBranch);
  }
  const cwd = location.commonDir;
  let deletedBranch = false;
  let branchKeptReason: string | undefined;
  await withRepositoryLock(path.dirname(location.path), async () => {
    try {
      await git(['worktree', 'unlock', location.path], { cwd }).catch(() => undefined);
      // --force twice: removes it although it has changes (already checked or forced) and although
      // a lock reappeared; also drops the metadata of a worktree whose directory is already gone.
      await git(['worktree', 'remove', '--force', '--force', location.path], { cwd });
    } catch (error) {
      if (existsSync(location.path)) throw gitFailed(`Removing the worktree ${location.path}`, cwd, error);
      // Neither directory nor registration left (removed by hand and pruned): nothing to do.
    }
    if (!keepBranch && state.branchExists) {
      try {
        await git(['branch', '-D', location.branch], { cwd });
        deletedBranch = true;
      } catch (error) {
        branchKeptReason = error instanceof Error ? lastLine(error.message) : String(error);
      }
    }
  });
  return { path: location.path, branch: location.branch, deletedBranch, branchKeptReason, state };
}

/** The refusal: names what would be lost, and the ways out. */
export function unsafeRemovalError(
  agent: string,
  location: WorktreeLocation,
  state: WorktreeState,
  keepBranch: boolean,
): UnsafeOperationError {
  const parts: string[] = [];
  if (state.uncommitted.length > 0) {
    parts.push(`uncommitted: ${summarise(state.uncommitted.map((line) => line.slice(3)))}`);
  }
  if (!keepBranch && state.unmergedCommits.length > 0) {
    const commits = state.unmergedCommits.map((commit) => `${commit.sha.slice(0, 7)} ${commit.subject}`);
    parts.push(`unmerged commits on ${location.branch}: ${summarise(commits)}`);
  }
  const ways = state.uncommitted.length > 0
    ? `commit the changes in ${location.path}`
    : `merge or push ${location.branch}, or keep it with --keep-branch`;
  return new UnsafeOperationError('WORKTREE_HAS_WORK', `Agent "${agent}" has work that would be lost (${parts.join('; ')})`, {
    hint: `To keep it, ${ways}; to discard it, run again with --force`,
    details: {
      agent,
      worktree: location.path,
      branch: location.branch,
      uncommitted: state.uncommitted.map((line) => line.slice(3)),
      unmergedCommits: keepBranch ? [] : state.unmergedCommits,
    },
  });
}

function summarise(items: string[], max = 5): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? text;
}
