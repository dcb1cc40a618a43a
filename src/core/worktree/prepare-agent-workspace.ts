import path from 'node:path';
import type { Config } from '../../config/schema.js';
import { getDataDir, getWorktreeDir } from '../../config/paths.js';
import { isAgentctlError, UsageError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import {
  createAgentRepository,
  discardAgentRepository,
  getAgentRepositoryMounts,
  type AgentRepository,
} from './agent-repository.js';
import { claimDirectory } from './checkout-claim.js';
import { decideWorktree, type ExistingAgent } from './decide-worktree.js';
import type { HeldLock } from './lock-file.js';
import { findRepository } from './find-repository.js';
import { getGitEnvironment } from './git-identity.js';
import { getGitUserFor } from './git-user.js';
import { createGitRunner, type GitRunner, type GitUser } from './git.js';
import type { AgentMount } from '../../runtime/agent-spec.js';
import { CONTAINER_WORKSPACE, getGitDirMounts, type WorktreeMount } from './worktree-mounts.js';

export interface PrepareWorkspaceDeps {
  config: Pick<Config, 'worktree' | 'worktreeDir' | 'dataDir' | 'git'>;
  env: NodeJS.ProcessEnv;
  homedir: string;
  /** agentctl's own uid/gid (undefined on Windows): as root, git runs as the repository's owner. */
  processUser?: { uid: number; gid: number };
  /** Every existing agent (running or not) with its labels. */
  listAgents(): Promise<ExistingAgent[]>;
  log(message: string): void;
  /** Tests inject their own; default: the real git. */
  createGit?: (user: GitUser | undefined) => GitRunner;
  /** The engine endpoint (recorded so that prune on another engine leaves this agent's state alone). */
  engine?: string;
  signal?: AbortSignal;
}

export interface PrepareWorkspaceRequest {
  name: string;
  /** The workspace the user asked for (absolute). */
  workspace: string;
  readOnly: boolean;
  /** `--worktree` / `--no-worktree`; `--branch` or `--base` imply `--worktree`. */
  worktree?: boolean;
  branch?: string;
  base?: string;
  /** Relabel bind mounts for SELinux (`z`). */
  selinux: boolean;
  /** The backend gives every agent its own copy of the workspace (Kubernetes clones it): no worktree. */
  ownCopy?: boolean;
}

/** What start mounts and sets for the agent's workspace. */
export interface AgentWorkspace {
  /** Host directory mounted at /workspace: the agent's worktree, or the workspace itself. */
  workspace: string;
  /** More host mounts so that git works inside: the agent's own repository (or the checkout's git dir). */
  mounts: AgentMount[];
  /** Commit identity and git settings. */
  env: [string, string][];
  /** io.agentctl.repository / .git-state / .branch / .base, and .worktree in worktree mode. */
  labels: Record<string, string>;
  /** The agent's own repository (every writing agent on a git checkout). */
  repository?: AgentRepository;
  /** Worktree mode: the agent's worktree and branch. */
  worktree?: { path: string; branch: string };
  /** Removes the worktree and the branch created for it (and releases the claim); for a start that failed afterwards. */
  discard(): Promise<void>;
  /** Releases the claim of the directory (checkout-claim.ts) once the agent's container exists. */
  release(): Promise<void>;
}

/**
 * Decides whether the agent gets its own worktree (config `worktree`, `--worktree`, the other
 * agents on the checkout), creates it, and returns the mounts, environment and labels that make git
 * work inside the container.
 */
export async function prepareAgentWorkspace(
  deps: PrepareWorkspaceDeps,
  request: PrepareWorkspaceRequest,
): Promise<AgentWorkspace> {
  const gitUser = await getGitUserFor(request.workspace, deps.processUser);
  const git = (deps.createGit ?? ((user) => createGitRunner(deps.env, user)))(gitUser);
  const wantsBranch = request.branch !== undefined || request.base !== undefined;
  if (wantsBranch && request.worktree === false) {
    throw new UsageError(
      'USAGE_BRANCH_WITHOUT_WORKTREE',
      '--branch and --base need a worktree, and --no-worktree was given',
      {
        hint: 'Drop --no-worktree, or drop --branch / --base',
      },
    );
  }
  const requested = wantsBranch ? true : request.worktree;
  if (request.ownCopy) {
    if (requested === true) {
      throw new UsageError(
        'WORKTREE_UNSUPPORTED',
        'This backend clones the workspace for every agent, so --worktree, --branch and --base do not apply',
        {
          hint: 'Drop --worktree / --branch / --base: each agent already works in its own clone (of the branch checked out here)',
        },
      );
    }
    deps.log('worktree: no (the backend clones the workspace for every agent)');
    return {
      workspace: request.workspace,
      mounts: [],
      env: Object.entries(getGitEnvironment(request.name, deps.config.git)),
      labels: {},
      discard: async () => {},
      release: async () => {},
    };
  }
  // A start that may write the directory itself claims it until its container exists (checkout-claim.ts).
  const mayWriteDirectly = !request.readOnly && requested !== true;
  // Otherwise ask the engine for the other agents while git looks for the repository.
  const early = mayWriteDirectly ? undefined : deps.listAgents();
  early?.catch(() => undefined);
  // Without git on the host, only an explicit --worktree fails; every other start goes on without.
  const repository = await findRepository(git, request.workspace).catch((error: unknown) => {
    if (requested !== true && isAgentctlError(error) && error.code === 'GIT_NOT_FOUND') return undefined;
    throw error;
  });
  const claim = mayWriteDirectly
    ? await claimDirectory(
        getDataDir(deps.config, deps.env, deps.homedir),
        repository?.checkout ?? request.workspace,
        deps.signal,
      )
    : undefined;
  try {
    return withClaim(claim, await prepareDecided(deps, request, { git, gitUser, requested, repository, early }));
  } catch (error) {
    await claim?.release();
    throw error;
  }
}

function withClaim(claim: HeldLock | undefined, workspace: Omit<AgentWorkspace, 'release'>): AgentWorkspace {
  const release = claim ? () => claim.release() : async () => {};
  return {
    ...workspace,
    release,
    discard: async () => {
      await workspace.discard();
      await release();
    },
  };
}

async function prepareDecided(
  deps: PrepareWorkspaceDeps,
  request: PrepareWorkspaceRequest,
  found: {
    git: GitRunner;
    gitUser: GitUser | undefined;
    requested: boolean | undefined;
    repository: Awaited<ReturnType<typeof findRepository>> | undefined;
    early: Promise<ExistingAgent[]> | undefined;
  },
): Promise<Omit<AgentWorkspace, 'release'>> {
  const { git, gitUser, requested, repository } = found;
  const decision = decideWorktree({
    mode: deps.config.worktree ?? 'auto',
    requested,
    readOnly: request.readOnly,
    checkout: repository?.checkout,
    workspace: request.workspace,
    agents: await (found.early ?? deps.listAgents()),
  });
  deps.log(`worktree: ${decision.useWorktree ? 'yes' : 'no'} (${decision.reason})`);
  const env = Object.entries(getGitEnvironment(request.name, deps.config.git));
  if (!repository) return { workspace: request.workspace, mounts: [], env, labels: {}, discard: async () => {} };

  if (!decision.useWorktree && request.readOnly) {
    // A read-only agent may read the checkout's git dir; it cannot write it. A checkout whose .git
    // file points outside it (a linked worktree, --separate-git-dir) needs its git dir mounted too.
    const outside =
      request.workspace === repository.checkout && !isSameOrInside(repository.gitDir, repository.checkout);
    const mounts = outside
      ? getGitDirMounts({ commonDir: repository.commonDir, gitDir: repository.gitDir, readOnly: true })
      : [];
    return {
      workspace: request.workspace,
      mounts: toMounts(
        mounts.filter((mount) => mount.target !== CONTAINER_WORKSPACE),
        request.selinux,
      ),
      env,
      labels: { [LABELS.repository]: repository.commonDir },
      discard: async () => {},
    };
  }
  if (!decision.useWorktree && request.workspace !== repository.checkout) {
    // A subdirectory of a checkout: the checkout's .git is outside the mount, so the agent has no git.
    return { workspace: request.workspace, mounts: [], env, labels: {}, discard: async () => {} };
  }

  // Every writing agent gets a repository of its own: the user's git dir is never in the container.
  const created = await createAgentRepository(git, {
    repository,
    mode: decision.useWorktree ? 'worktree' : 'checkout',
    worktreeDir: getWorktreeDir(deps.config, deps.env, deps.homedir),
    agent: request.name,
    ...(request.branch === undefined ? {} : { branch: request.branch }),
    ...(request.base === undefined ? {} : { base: request.base }),
    ...(gitUser ? { owner: gitUser } : {}),
    ...(deps.engine === undefined ? {} : { engine: deps.engine }),
  });
  deps.log(
    created.mode === 'worktree'
      ? `created worktree ${created.workTree} on branch ${created.branch}`
      : `created the agent's repository on branch ${created.branch} (the checkout's .git stays on the host)`,
  );
  const discard = () =>
    discardAgentRepository(git, created).then(() => deps.log(`removed the agent's git state in ${created.state.dir}`));
  try {
    const mounts = await getAgentRepositoryMounts(created, CONTAINER_WORKSPACE);
    return {
      workspace: created.workTree,
      mounts: toMounts(mounts, request.selinux),
      env,
      labels: {
        [LABELS.repository]: repository.commonDir,
        [LABELS.gitState]: created.state.dir,
        [LABELS.branch]: created.branch,
        ...(created.base ? { [LABELS.base]: created.base } : {}),
        ...(created.mode === 'worktree' ? { [LABELS.worktree]: created.workTree } : {}),
      },
      repository: created,
      ...(created.mode === 'worktree' ? { worktree: { path: created.workTree, branch: created.branch } } : {}),
      discard,
    };
  } catch (error) {
    await discard();
    throw error;
  }
}

function toMounts(mounts: WorktreeMount[], selinux: boolean): AgentMount[] {
  return mounts.map((mount) => ({ kind: 'host', ...mount, relabel: selinux }));
}

function isSameOrInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
