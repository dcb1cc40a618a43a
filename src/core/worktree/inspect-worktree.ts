import { existsSync } from 'node:fs';
import { GitCommandError, gitFailed, type GitRunner } from './git.js';

/** Where an agent's worktree is, as recorded in the agent's labels. */
export interface WorktreeLocation {
  /** The repository's common git dir (label io.agentctl.repository). */
  commonDir: string;
  /** The worktree's host path (label io.agentctl.worktree). */
  path: string;
  /** The worktree's branch (label io.agentctl.branch). */
  branch: string;
}

export interface CommitSummary {
  sha: string;
  subject: string;
}

/** What removing a worktree and its branch would lose. */
export interface WorktreeState {
  /** False when the worktree directory no longer exists on the host. */
  exists: boolean;
  /** False when the branch no longer exists. */
  branchExists: boolean;
  /** `git status --porcelain` lines: modified, staged and untracked files (ignored files are not work). */
  uncommitted: string[];
  /** Commits only on this branch: on no other branch, remote-tracking branch or tag. */
  unmergedCommits: CommitSummary[];
  /** The branch's upstream, when it has one (e.g. `origin/agent/x`). */
  upstream: string | undefined;
  /** Commits on the branch not on its upstream (empty without an upstream). */
  unpushedCommits: CommitSummary[];
}

/**
 * True when removing the worktree (and, unless `keepBranch`, deleting its branch) loses nothing.
 * Unpushed commits that another branch also holds are not lost, so only unmerged commits count.
 */
export function isWorktreeClean(state: WorktreeState, keepBranch = false): boolean {
  return state.uncommitted.length === 0 && (keepBranch || state.unmergedCommits.length === 0);
}

/** Inspects an agent's worktree: uncommitted files and commits that exist only on its branch. */
export async function inspectWorktree(git: GitRunner, location: WorktreeLocation): Promise<WorktreeState> {
  const cwd = location.commonDir;
  const exists = existsSync(location.path);
  try {
    const uncommitted = exists
      ? splitLines(await git(['status', '--porcelain', '--untracked-files=all'], { cwd: location.path }))
      : [];
    const branchRef = `refs/heads/${location.branch}`;
    const branchExists = await succeeds(git(['show-ref', '--verify', '--quiet', branchRef], { cwd }));
    if (!branchExists) {
      return { exists, branchExists, uncommitted, unmergedCommits: [], upstream: undefined, unpushedCommits: [] };
    }
    const unmergedCommits = await listCommits(git, cwd, [
      branchRef,
      '--not',
      // --exclude applies to the next --branches, relative to refs/heads/ (branch names hold no globs).
      `--exclude=${location.branch}`,
      '--branches',
      '--remotes',
      '--tags',
    ]);
    const upstream = await git(['rev-parse', '--abbrev-ref', '--symbolic-full-name', `${branchRef}@{upstream}`], { cwd }).catch(
      (error: unknown) => {
        if (error instanceof GitCommandError) return undefined;
        throw error;
      },
    );
    const unpushedCommits = upstream ? await listCommits(git, cwd, [`${branchRef}@{upstream}..${branchRef}`]) : [];
    return { exists, branchExists, uncommitted, unmergedCommits, upstream: upstream || undefined, unpushedCommits };
  } catch (error) {
    if (error instanceof GitCommandError) throw gitFailed(`Inspecting the worktree ${location.path}`, cwd, error);
    throw error;
  }
}

async function listCommits(git: GitRunner, cwd: string, range: string[]): Promise<CommitSummary[]> {
  const output = await git(['log', '--format=%H %s', ...range, '--'], { cwd });
  return splitLines(output).map((line) => {
    const space = line.indexOf(' ');
    return space < 0 ? { sha: line, subject: '' } : { sha: line.slice(0, space), subject: line.slice(space + 1) };
  });
}

function splitLines(output: string): string[] {
  return output.split('\n').filter((line) => line.length > 0);
}

async function succeeds(promise: Promise<unknown>): Promise<boolean> {
  try {
    await promise;
    return true;
  } catch (error) {
    if (error instanceof GitCommandError) return false;
    throw error;
  }
}
