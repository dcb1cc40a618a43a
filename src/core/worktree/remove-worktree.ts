import { rm } from 'node:fs/promises';
import path from 'node:path';
import { UnsafeOperationError } from '../../shared/errors.js';
import { getAgentRefPrefix, updateRefs } from './agent-repository.js';
import { gitFailed, type GitRunner } from './git.js';
import { withRepositoryLock } from './repository-lock.js';
import {
  inspectWorktree,
  isWorktreeClean,
  type CommitSummary,
  type WorktreeLocation,
  type WorktreeState,
} from './inspect-worktree.js';

export interface RemoveWorktreeOptions {
  /** Remove even when uncommitted files or unmerged commits would be lost. */
  force?: boolean;
  /** Keep the branch in the user's repository (and so its commits); only the agent's copy goes. */
  keepBranch?: boolean;
}

export interface RemoveWorktreeResult {
  /** The agent's files (worktree mode) or the checkout it worked in. */
  path: string;
  branch: string;
  /** True when the branch was deleted. */
  deletedBranch: boolean;
  /** False when the branch was already gone from the user's repository (nothing to keep or delete). */
  branchExisted: boolean;
  /** Why the branch was kept although deletion was asked for (moved by the user, checked out). */
  branchKeptReason: string | undefined;
  /** What was inspected before removing (what --force threw away, when forced). */
  state: WorktreeState;
  /** Commits no ref holds any more (only with --force): `git branch NAME <sha>` brings one back until gc. */
  dropped: CommitSummary[];
}

/** The directory whose `.lock` serialises changes to one repository's agent state. */
function lockDir(location: WorktreeLocation): string {
  return path.dirname(path.dirname(location.stateDir));
}

/**
 * Removes an agent's git state — its worktree (worktree mode), its repository, agentctl's hidden
 * refs — and its branch in the user's repository unless `keepBranch`, but only when nothing would
 * be lost: otherwise throws UnsafeOperationError (exit 9) naming what, unless `force`. The state is
 * synced first, so the branch holds the agent's last commit. A branch the user moved is never deleted.
 */
export async function removeAgentWorktree(
  git: GitRunner,
  location: WorktreeLocation,
  options: RemoveWorktreeOptions = {},
): Promise<RemoveWorktreeResult> {
  const state = await inspectWorktree(git, location);
  const keepBranch = options.keepBranch ?? false;
  if (!options.force && !isWorktreeClean(state, keepBranch)) throw unsafeRemovalError(location, state, keepBranch);
  const cwd = location.commonDir;
  const prefix = getAgentRefPrefix(location.agent);
  let deletedBranch = false;
  let branchKeptReason: string | undefined;
  await withRepositoryLock(lockDir(location), async () => {
    // Containers are gone before this runs, so nothing writes here any more; rm never follows links.
    if (location.path) await rm(location.path, { recursive: true, force: true });
    await rm(location.stateDir, { recursive: true, force: true });
    try {
      const refs = (await git(['for-each-ref', '--format=%(refname) %(objectname)', prefix], { cwd }))
        .split('\n')
        .filter(Boolean);
      const mirror = refs.find((line) => line.startsWith(`${prefix}mirror `))?.split(' ')[1];
      if (!keepBranch && state.branchExists) {
        const current = (
          await git(['for-each-ref', '--format=%(objectname) %(worktreepath)', `refs/heads/${location.branch}`], {
            cwd,
          })
        ).trim();
        const [commit, ...where] = current.split(' ');
        if (where.join(' ')) branchKeptReason = `it is checked out in ${where.join(' ')}`;
        else if (commit !== mirror && commit !== state.head) branchKeptReason = 'it has commits the agent did not make';
        else {
          await updateRefs(git, cwd, [`delete refs/heads/${location.branch} ${commit}`]);
          deletedBranch = true;
        }
      }
      await updateRefs(
        git,
        cwd,
        refs.map((line) => `delete ${line}`),
      );
    } catch (error) {
      throw gitFailed(`Removing the git state of agent ${location.agent}`, cwd, error);
    }
  });
  const dropped = options.force ? (keepBranch ? state.strandedCommits : state.unmergedCommits) : [];
  return {
    path: location.path ?? '',
    branch: location.branch,
    deletedBranch,
    branchExisted: state.branchExists,
    branchKeptReason,
    state,
    dropped,
  };
}

/** The refusal: names what would be lost, and the ways out. */
export function unsafeRemovalError(
  location: WorktreeLocation,
  state: WorktreeState,
  keepBranch: boolean,
): UnsafeOperationError {
  const agent = location.agent;
  const parts: string[] = [];
  if (state.uncommitted.length > 0)
    parts.push(`uncommitted: ${summarise(state.uncommitted.map((line) => line.slice(3)))}`);
  const commits = keepBranch ? state.strandedCommits : state.unmergedCommits;
  // Commits on no branch at all (a detached HEAD, a branch only the agent has) are not saved by
  // merging the agent's branch or keeping it: named apart, with the way that does keep them.
  const stranded = new Set(state.strandedCommits.map((commit) => commit.sha));
  const onBranch = keepBranch ? [] : commits.filter((commit) => !stranded.has(commit.sha));
  const offBranch = commits.filter((commit) => keepBranch || stranded.has(commit.sha));
  const list = (items: typeof commits) =>
    summarise(items.map((commit) => `${commit.sha.slice(0, 7)} ${commit.subject}`));
  if (onBranch.length > 0) parts.push(`commits only on ${location.branch}: ${list(onBranch)}`);
  if (offBranch.length > 0) parts.push(`commits on no branch of yours: ${list(offBranch)}`);
  const ways =
    state.uncommitted.length > 0
      ? `commit them inside the agent (\`agentctl exec ${agent} git commit -am …\`, after \`agentctl start ${agent}\` if it is stopped)`
      : offBranch.length > 0
        ? `give them a branch in your repository (\`git branch keep-${agent} ${offBranch[0]!.sha.slice(0, 12)}\`)`
        : `merge ${location.branch}, or keep it with --keep-branch`;
  return new UnsafeOperationError(
    'WORKTREE_HAS_WORK',
    `Agent "${agent}" has work that would be lost (${parts.join('; ')})`,
    {
      hint: `To keep it, ${ways}; to discard it, run again with --force`,
      details: {
        agent,
        worktree: location.path ?? null,
        branch: location.branch,
        uncommitted: state.uncommitted.map((line) => line.slice(3)),
        unmergedCommits: commits,
      },
    },
  );
}

function summarise(items: string[], max = 5): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
