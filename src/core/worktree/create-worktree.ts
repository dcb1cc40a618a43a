import { chown, mkdir, realpath, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConflictError, UsageError } from '../errors.js';
import type { Repository } from './find-repository.js';
import { GitCommandError, gitFailed, type GitRunner } from './git.js';
import { withRepositoryLock } from './repository-lock.js';

/** A worktree made by agentctl for one agent. All paths are absolute host paths. */
export interface AgentWorktree {
  agent: string;
  /** The worktree's top level (mounted at /workspace). */
  path: string;
  branch: string;
  /** The worktree's admin dir inside the common dir: `<commonDir>/worktrees/<id>`. */
  adminDir: string;
  repository: Repository;
  /** False when an existing branch was checked out (cleanup then keeps the branch). */
  createdBranch: boolean;
}

export interface CreateWorktreeOptions {
  repository: Repository;
  /** agentctl's worktree directory (config `worktreeDir`). */
  worktreeDir: string;
  agent: string;
  /** Default `agent/<agent>`. An existing branch is checked out as it is (without --base). */
  branch?: string;
  /** Commit the new branch starts at. Default: the checkout's HEAD. */
  base?: string;
  /** Who git runs as (see getGitUserFor): the repository's directory under worktreeDir becomes theirs. */
  owner?: { uid: number; gid: number };
}

export const LOCK_REASON_PREFIX = 'agentctl agent ';

/** The default branch of an agent's worktree. */
export function getDefaultBranch(agent: string): string {
  return `agent/${agent}`;
}

/** Where an agent's worktree lives: `<worktreeDir>/<repository key>/<agent>`. */
export function getAgentWorktreePath(worktreeDir: string, repository: Pick<Repository, 'key'>, agent: string): string {
  return path.join(worktreeDir, repository.key, agent);
}

/** The file beside a repository's worktrees naming its common dir (prune finds repositories by it). */
export function getRepositoryMarkerPath(worktreeDir: string, repositoryKey: string): string {
  return path.join(worktreeDir, repositoryKey, '.repository');
}

/**
 * Creates the agent's worktree on its branch, outside the user's checkout, and locks it at creation
 * (`worktree add --lock`) so that no `git worktree prune` (inside the container or by gc) can remove
 * its metadata while the directory is out of sight. Nothing is left behind when a step fails.
 */
export async function createAgentWorktree(git: GitRunner, options: CreateWorktreeOptions): Promise<AgentWorktree> {
  const { repository, agent } = options;
  const cwd = repository.checkout;
  const branch = options.branch ?? getDefaultBranch(agent);
  await checkBranchName(git, cwd, branch);
  const branchExists = await refExists(git, cwd, `refs/heads/${branch}`);
  if (branchExists && options.base !== undefined) {
    throw new ConflictError('BRANCH_EXISTS', `Branch "${branch}" already exists`, {
      hint: `Drop --base to continue on "${branch}", pick another name with --branch, or delete it with \`git branch -D ${branch}\``,
      details: { branch },
    });
  }
  const baseCommit = branchExists ? undefined : await resolveCommit(git, cwd, options.base ?? 'HEAD');

  // Real path: git records it so, and labels and prune compare against git's records.
  const worktreeRoot = await mkdir(options.worktreeDir, { recursive: true }).then(
    () => realpath(options.worktreeDir),
    (error: NodeJS.ErrnoException) => {
      // A data directory under a file, or read-only: the user's setting to fix, not a bug.
      throw new UsageError('WORKTREE_DIR_UNWRITABLE', `Cannot create the worktree directory ${options.worktreeDir}: ${error.code ?? error.message}`, {
        hint: 'Point AGENTCTL_DATA_DIR (config `dataDir`) or AGENTCTL_WORKTREE_DIR (`worktreeDir`) at a writable directory',
        cause: error,
      });
    },
  );
  const worktreePath = getAgentWorktreePath(worktreeRoot, repository, agent);
  if (existsSync(worktreePath)) {
    throw new ConflictError('WORKTREE_EXISTS', `A worktree for agent "${agent}" already exists at ${worktreePath}`, {
      hint: 'Run `agentctl prune` to clean up worktrees of removed agents, or choose another agent name',
      details: { path: worktreePath },
    });
  }
  const repositoryDir = path.dirname(worktreePath);
  await mkdir(repositoryDir, { recursive: true });
  await writeFile(path.join(repositoryDir, '.repository'), `${repository.commonDir}\n`);
  if (options.owner) {
    await chown(repositoryDir, options.owner.uid, options.owner.gid);
    await chown(path.join(repositoryDir, '.repository'), options.owner.uid, options.owner.gid);
  }

  const lock = ['--lock', '--reason', `${LOCK_REASON_PREFIX}${agent}`];
  const args = branchExists
    ? ['worktree', 'add', ...lock, worktreePath, branch]
    : ['worktree', 'add', ...lock, '--no-track', '-b', branch, worktreePath, baseCommit as string];
  try {
    await withRepositoryLock(repositoryDir, () => git(args, { cwd }));
  } catch (error) {
    const stderr = error instanceof GitCommandError ? error.stderr : '';
    // A branch that appeared meanwhile ("already exists") is someone else's: never delete it.
    const ours = !branchExists && !/already exists/.test(stderr);
    await discardQuietly(git, cwd, worktreePath, ours ? branch : undefined);
    if (/a branch named .* already exists/.test(stderr)) {
      throw new ConflictError('BRANCH_EXISTS', `Branch "${branch}" already exists`, {
        hint: `Pick another name with --branch, or delete it with \`git branch -D ${branch}\``,
        details: { branch },
        cause: error,
      });
    }
    if (/already (checked out|used by worktree)/.test(stderr)) {
      throw new ConflictError('BRANCH_CHECKED_OUT', `Branch "${branch}" is already checked out in another worktree`, {
        hint: `Pick another branch with --branch, or see \`git -C "${cwd}" worktree list\``,
        details: { branch },
        cause: error,
      });
    }
    throw gitFailed('Creating the worktree', cwd, error);
  }
  try {
    const adminDir = await git(['rev-parse', '--path-format=absolute', '--git-dir'], { cwd: worktreePath });
    return { agent, path: worktreePath, branch, adminDir: path.resolve(adminDir), repository, createdBranch: !branchExists };
  } catch (error) {
    await discardQuietly(git, cwd, worktreePath, branchExists ? undefined : branch);
    throw gitFailed('Reading the new worktree', worktreePath, error);
  }
}

/**
 * Undoes createAgentWorktree without any safety check: for a start that failed after creating it.
 * Deletes the branch only when createAgentWorktree created it.
 */
export async function discardAgentWorktree(git: GitRunner, worktree: AgentWorktree): Promise<void> {
  await discardQuietly(git, worktree.repository.checkout, worktree.path, worktree.createdBranch ? worktree.branch : undefined);
}

async function discardQuietly(git: GitRunner, cwd: string, worktreePath: string, branch: string | undefined): Promise<void> {
  await withRepositoryLock(path.dirname(worktreePath), async () => {
    // --force twice: also removes a locked worktree and one with changes; fine for one never used.
    await git(['worktree', 'remove', '--force', '--force', worktreePath], { cwd }).catch(() => undefined);
    if (branch) await git(['branch', '-D', branch], { cwd }).catch(() => undefined);
  }).catch(() => undefined);
}

async function checkBranchName(git: GitRunner, cwd: string, branch: string): Promise<void> {
  try {
    await git(['check-ref-format', '--branch', branch], { cwd });
  } catch (error) {
    throw new UsageError('INVALID_BRANCH', `"${branch}" is not a valid branch name`, {
      hint: 'Use letters, digits, "/", "-" and "_" (see `git check-ref-format --help`)',
      cause: error,
    });
  }
}

async function refExists(git: GitRunner, cwd: string, ref: string): Promise<boolean> {
  try {
    await git(['show-ref', '--verify', '--quiet', ref], { cwd });
    return true;
  } catch (error) {
    if (error instanceof GitCommandError) return false;
    throw error;
  }
}

async function resolveCommit(git: GitRunner, cwd: string, ref: string): Promise<string> {
  try {
    return await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd });
  } catch (error) {
    if (ref === 'HEAD') {
      throw new UsageError('NO_COMMITS', `The repository at ${cwd} has no commit to branch from`, {
        hint: 'Make a first commit (`git commit --allow-empty -m init`) or pass --base REF',
        cause: error,
      });
    }
    throw new UsageError('BASE_NOT_FOUND', `"${ref}" is not a commit in ${cwd}`, {
      hint: 'Pass an existing branch, tag or commit to --base (see `git branch -a`)',
      details: { base: ref },
      cause: error,
    });
  }
}
