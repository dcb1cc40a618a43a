import { existsSync } from 'node:fs';
import { chown, copyFile, lstat, mkdir, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, UsageError, diskFullError, findNoSpaceError } from '../../shared/errors.js';
import { failedForWantOfSpace } from './disk-space.js';
import type { Repository } from './find-repository.js';
import { GitCommandError, gitFailed, type GitRunner } from './git.js';
import { withRepositoryLock } from './repository-lock.js';
import { writeGitDir } from './agent-repository-files.js';
import { CONTAINER_GIT_DIR } from './agent-repository-mounts.js';
import {
  checkBranchName,
  readUserBranch,
  resolveCommit,
  updateRefs,
  updateRefsTogether,
} from './agent-repository-refs.js';

export { withoutPassword, getObjectDirectories } from './agent-repository-files.js';
export { CONTAINER_GIT_DIR, getAgentRepositoryMounts, type AgentRepositoryMount } from './agent-repository-mounts.js';
export { updateRefs } from './agent-repository-refs.js';

/**
 * An agent's own git repository. The agent never gets the user's git dir: it gets a repository of
 * its own (HEAD, refs, config, index, hooks, objects it writes) that borrows the user's objects
 * read-only through `objects/info/alternates`. Whatever the agent does to it (hooks, fsmonitor,
 * aliases, includes, refs) stays inside it; agentctl brings its branch back into the user's
 * repository only by `git fetch` from it (sync-agent-repository.ts), which git treats as safe from
 * an untrusted repository. agentctl never runs git with it as the repository.
 *
 * Two modes share it:
 * - `worktree`: the agent's files are a directory of their own, `<worktreeDir>/<key>/<agent>`,
 *   checked out from the agent's branch;
 * - `checkout`: the agent works in the user's checkout itself (the first writing agent); the
 *   checkout's `.git` is hidden behind the agent's repository inside the container.
 */
export interface AgentRepository {
  agent: string;
  mode: 'worktree' | 'checkout';
  repository: Repository;
  /** The branch the agent works on, in its repository and (mirrored) in the user's. */
  branch: string;
  /** The commit the branch started at; undefined in a repository without commits. */
  base: string | undefined;
  /** True when this start created the branch in the user's repository. */
  createdBranch: boolean;
  /** The agent's files on the host: its worktree, or the user's checkout. */
  workTree: string;
  state: AgentGitState;
}

/** agentctl's directory for one agent's git state, outside anything the agent can write but `gitDir`. */
export interface AgentGitState {
  dir: string;
  /** The agent's repository (mounted into the container, so written by the agent). */
  gitDir: string;
  /** agentctl's own index for comparing the agent's files with its HEAD (never mounted). */
  index: string;
  /** For a checkout whose `.git` is a file: a `.git` file pointing at the mounted repository. */
  gitFile: string;
  /** What agentctl recorded at creation (agent.json). */
  record: string;
}

/** What agentctl records for each agent repository (agent.json); prune reads it. */
export interface AgentGitRecord {
  agent: string;
  commonDir: string;
  branch: string;
  mode: 'worktree' | 'checkout';
  workTree: string;
  base: string | null;
  /** The engine endpoint the agent was started on: prune on another engine leaves it alone. */
  engine: string | null;
  created: string;
}

export const AGENT_STATE_DIR = '.agents';

/** The default branch of an agent. */
export function getDefaultBranch(agent: string): string {
  return `agent/${agent}`;
}

/** Where an agent's worktree lives: `<worktreeDir>/<repository key>/<agent>`. */
export function getAgentWorktreePath(worktreeDir: string, repository: Pick<Repository, 'key'>, agent: string): string {
  return path.join(worktreeDir, repository.key, agent);
}

/** `<worktreeDir>/<key>/.agents/<agent>/`: agent names never start with ".", so no worktree collides. */
export function getAgentGitState(worktreeDir: string, repositoryKey: string, agent: string): AgentGitState {
  const dir = path.join(worktreeDir, repositoryKey, AGENT_STATE_DIR, agent);
  return {
    dir,
    gitDir: path.join(dir, 'repo.git'),
    index: path.join(dir, 'index'),
    gitFile: path.join(dir, 'gitfile'),
    record: path.join(dir, 'agent.json'),
  };
}

/** The hidden refs of the user's repository that hold what agentctl fetched from an agent. */
export function getAgentRefPrefix(agent: string): string {
  return `refs/agentctl/${agent}/`;
}

export interface CreateAgentRepositoryOptions {
  repository: Repository;
  mode: 'worktree' | 'checkout';
  /** agentctl's worktree directory (config `worktreeDir`). */
  worktreeDir: string;
  agent: string;
  /** Default `agent/<agent>`. In worktree mode an existing branch is continued (without --base). */
  branch?: string;
  /** Commit a new branch starts at (worktree mode). Default: the checkout's HEAD. */
  base?: string;
  /** When agentctl runs as root on a user's repository: everything made here becomes theirs. */
  owner?: { uid: number; gid: number };
  engine?: string;
}

/**
 * Creates the agent's repository (and, in worktree mode, its checked-out files) and the agent's
 * branch in the user's repository. Nothing is left behind when a step fails.
 */
export async function createAgentRepository(
  git: GitRunner,
  options: CreateAgentRepositoryOptions,
): Promise<AgentRepository> {
  const { repository, agent, mode } = options;
  const cwd = repository.checkout;
  const branch = options.branch ?? getDefaultBranch(agent);
  await checkBranchName(git, cwd, branch);
  const userBranch = await readUserBranch(git, repository.commonDir, branch);
  if (userBranch && options.base !== undefined) {
    throw new ConflictError('BRANCH_EXISTS', `Branch "${branch}" already exists`, {
      hint: `Drop --base to continue on "${branch}", pick another name with --branch, or delete it with \`git branch -D ${branch}\``,
      details: { branch },
    });
  }
  if (userBranch?.checkedOutAt) {
    throw new ConflictError('BRANCH_CHECKED_OUT', `Branch "${branch}" is checked out in ${userBranch.checkedOutAt}`, {
      hint: `Pick another branch with --branch, or switch ${userBranch.checkedOutAt} to another branch first`,
      details: { branch },
    });
  }
  const head = await resolveCommit(git, cwd, 'HEAD', mode === 'checkout');
  let base: string | undefined;
  if (mode === 'checkout') {
    // The agent's files are the checkout's: its branch must start where the checkout is.
    base = head;
    if (userBranch && userBranch.commit !== head) {
      throw new ConflictError(
        'BRANCH_EXISTS',
        `Branch "${branch}" already exists at another commit than the checkout's HEAD`,
        {
          hint: `Merge or delete it (\`git branch -D ${branch}\`), or start the agent with another name`,
          details: { branch },
        },
      );
    }
  } else {
    base = userBranch
      ? userBranch.commit
      : options.base === undefined
        ? head
        : await resolveCommit(git, cwd, options.base, false);
    if (base === undefined) {
      throw new UsageError('NO_COMMITS', `The repository at ${cwd} has no commit to branch from`, {
        hint: 'Make a first commit (`git commit --allow-empty -m init`) or pass --base REF',
      });
    }
  }

  // Real path: labels and prune compare paths as the kernel resolves them.
  const root = await mkdir(options.worktreeDir, { recursive: true }).then(
    () => realpath(options.worktreeDir),
    (error: NodeJS.ErrnoException) => {
      if (findNoSpaceError(error)) throw diskFullError(path.dirname(options.worktreeDir), error);
      throw new UsageError(
        'WORKTREE_DIR_UNWRITABLE',
        `Cannot create the worktree directory ${options.worktreeDir}: ${error.code ?? error.message}`,
        {
          hint: 'Point AGENTCTL_DATA_DIR (config `dataDir`) or AGENTCTL_WORKTREE_DIR (`worktreeDir`) at a writable directory',
          cause: error,
        },
      );
    },
  );
  const state = getAgentGitState(root, repository.key, agent);
  const workTree = mode === 'worktree' ? getAgentWorktreePath(root, repository, agent) : repository.checkout;
  if (existsSync(state.dir) || (mode === 'worktree' && existsSync(workTree))) {
    throw new ConflictError(
      'WORKTREE_EXISTS',
      `Git state for agent "${agent}" already exists in ${path.dirname(state.dir)}`,
      {
        hint: 'Run `agentctl prune` to clean up after removed agents, or choose another agent name',
        details: { path: mode === 'worktree' ? workTree : state.dir },
      },
    );
  }
  const repositoryDir = path.join(root, repository.key);
  const created: AgentRepository = { agent, mode, repository, branch, base, createdBranch: false, workTree, state };
  try {
    await mkdir(state.dir, { recursive: true });
    await writeFile(path.join(repositoryDir, '.repository'), `${repository.commonDir}\n`);
    await writeGitDir(git, state.gitDir, repository, branch, base);
    // The mount point of the agent's repository: an empty `.git` here is no repository to the
    // host's git, so nothing the agent does can turn this directory into one.
    if (mode === 'worktree') await mkdir(path.join(workTree, '.git'), { recursive: true });
    if (options.owner) {
      // Before git runs: as root, git runs as the repository's owner and writes here as them.
      await chownTree(repositoryDir, options.owner, false);
      await chownTree(path.dirname(state.dir), options.owner, false);
      await chownTree(state.dir, options.owner, true);
      if (mode === 'worktree') await chownTree(workTree, options.owner, true);
    }
    if (mode === 'worktree') {
      await git(['--git-dir', state.gitDir, '--work-tree', workTree, 'read-tree', '--reset', '-u', 'HEAD'], {
        cwd: workTree,
      });
    } else {
      await copyFile(path.join(repository.gitDir, 'index'), path.join(state.gitDir, 'index')).catch(() => undefined);
      const dotGit = await lstat(path.join(workTree, '.git')).catch(() => undefined);
      if (dotGit && !dotGit.isDirectory()) await writeFile(state.gitFile, `gitdir: ${CONTAINER_GIT_DIR}\n`);
    }
    if (base !== undefined) {
      // The agent's branch in the user's repository, and the value agentctl last mirrored into it:
      // both or neither, so that a failure leaves no branch that `createdBranch` does not tell of.
      await withRepositoryLock(repositoryDir, () =>
        updateRefsTogether(git, repository.commonDir, [
          ...(userBranch ? [] : [`create refs/heads/${branch} ${base}`]),
          `update ${getAgentRefPrefix(agent)}mirror ${base}`,
        ]),
      );
      created.createdBranch = !userBranch;
    }
    const record: AgentGitRecord = {
      agent,
      commonDir: repository.commonDir,
      branch,
      mode,
      workTree,
      base: base ?? null,
      engine: options.engine ?? null,
      created: new Date().toISOString(),
    };
    await writeFile(state.record, `${JSON.stringify(record, null, 2)}\n`);
    if (options.owner) {
      for (const file of [
        state.record,
        state.gitFile,
        path.join(state.gitDir, 'index'),
        path.join(repositoryDir, '.repository'),
      ])
        await chownTree(file, options.owner, false);
    }
    return created;
  } catch (error) {
    await discardAgentRepository(git, created);
    // A full disk is said as such, not as a git failure (git reports "unable to write file X").
    const check = { git, cwd: repository.commonDir, commit: base, directory: root };
    if (await failedForWantOfSpace(error, check)) throw diskFullError(root, error);
    if (error instanceof GitCommandError) throw gitFailed('Creating the agent repository', cwd, error);
    throw error;
  }
}

/**
 * Undoes createAgentRepository without any safety check, for a start that failed before the
 * agent ran: its files (worktree mode), its repository, and the branch when this start made it.
 */
export async function discardAgentRepository(git: GitRunner, created: AgentRepository): Promise<void> {
  if (created.mode === 'worktree') await rm(created.workTree, { recursive: true, force: true }).catch(() => undefined);
  await rm(created.state.dir, { recursive: true, force: true }).catch(() => undefined);
  const refs = [`delete ${getAgentRefPrefix(created.agent)}mirror`];
  if (created.createdBranch && created.base) refs.push(`delete refs/heads/${created.branch} ${created.base}`);
  await updateRefs(git, created.repository.commonDir, refs).catch(() => undefined);
}

async function chownTree(target: string, owner: { uid: number; gid: number }, recursive: boolean): Promise<void> {
  const info = await lstat(target).catch(() => undefined);
  if (!info) return;
  await chown(target, owner.uid, owner.gid).catch(() => undefined);
  if (!recursive || !info.isDirectory()) return;
  for (const entry of await readdir(target)) await chownTree(path.join(target, entry), owner, true);
}
