import { LABELS } from '../../shared/labels.js';
import { getGitUserFor } from './git-user.js';
import { createGitRunner, type GitRunner, type GitUser } from './git.js';
import { inspectWorktree, isWorktreeClean, type WorktreeLocation, type WorktreeState } from './inspect-worktree.js';
import { findRepository } from './find-repository.js';
import { pruneWorktrees, type PruneWorktreesResult } from './prune-worktrees.js';
import { removeAgentWorktree, unsafeRemovalError, type RemoveWorktreeResult } from './remove-worktree.js';

/** What agent commands (rm, ls, prune) need to run git on agents' worktrees. */
export interface AgentWorktreeDeps {
  env: NodeJS.ProcessEnv;
  /** agentctl's own uid/gid: as root, git runs as the repository's owner. */
  processUser?: { uid: number; gid: number };
  /** Tests inject their own; default: the real git. */
  createGit?: (user: GitUser | undefined) => GitRunner;
}

/** The git state an agent's labels record, if it has one (agents on a git checkout, since 0.2). */
export function getWorktreeLocation(labels: Readonly<Record<string, string>>): WorktreeLocation | undefined {
  const agent = labels[LABELS.agent];
  const commonDir = labels[LABELS.repository];
  const branch = labels[LABELS.branch];
  const stateDir = labels[LABELS.gitState];
  if (!agent || !commonDir || !branch || !stateDir) return undefined;
  const path = labels[LABELS.worktree];
  return { agent, commonDir, branch, stateDir, ...(path ? { path } : {}) };
}

/** A git runner for the repository at `commonDir` (as its owner when agentctl runs as root). */
export async function getGitFor(deps: AgentWorktreeDeps, commonDir: string): Promise<GitRunner> {
  const user = await getGitUserFor(commonDir, deps.processUser);
  return (deps.createGit ?? ((gitUser) => createGitRunner(deps.env, gitUser)))(user);
}

export interface AgentWithLabels {
  name: string;
  labels: Readonly<Record<string, string>>;
}

/**
 * Before rm removes anything: refuses (UnsafeOperationError, exit 9) when removing any of these
 * agents' worktrees would lose uncommitted files or unmerged commits, unless `force`.
 */
export async function checkAgentWorktreesRemovable(
  deps: AgentWorktreeDeps,
  agents: readonly AgentWithLabels[],
  options: { force: boolean; keepBranch: boolean },
): Promise<void> {
  if (options.force) return;
  for (const agent of agents) {
    const location = getWorktreeLocation(agent.labels);
    if (!location) continue;
    const state = await inspectWorktree(await getGitFor(deps, location.commonDir), location);
    if (!isWorktreeClean(state, options.keepBranch)) throw unsafeRemovalError(location, state, options.keepBranch);
  }
}

/** Removes an agent's worktree and (unless keepBranch) its branch, with the same safety. */
export async function removeWorktreeOfAgent(
  deps: AgentWorktreeDeps,
  agent: AgentWithLabels,
  options: { force: boolean; keepBranch: boolean },
): Promise<RemoveWorktreeResult | undefined> {
  const location = getWorktreeLocation(agent.labels);
  if (!location) return undefined;
  return removeAgentWorktree(await getGitFor(deps, location.commonDir), location, options);
}

/** For ls: the state of an agent's worktree, or undefined (no worktree, or git failed: ls goes on). */
export async function inspectWorktreeOfAgent(
  deps: AgentWorktreeDeps,
  labels: Readonly<Record<string, string>>,
): Promise<WorktreeState | undefined> {
  const location = getWorktreeLocation(labels);
  if (!location) return undefined;
  try {
    return await inspectWorktree(await getGitFor(deps, location.commonDir), location);
  } catch {
    return undefined;
  }
}

/**
 * prune's part: removes worktrees agentctl made whose agent no longer exists (not in `inUse`), with
 * rm's safety; worktrees with work are reported in `refused` unless `force`. With `workspace`, only
 * worktrees of that workspace's repository.
 */
export async function pruneAgentWorktrees(
  deps: AgentWorktreeDeps & { worktreeDir: string; engine?: string },
  options: { inUse: ReadonlySet<string>; force: boolean; dryRun: boolean; workspace?: string },
): Promise<PruneWorktreesResult> {
  let commonDir: string | undefined;
  if (options.workspace !== undefined) {
    const repository = await findRepository(await getGitFor(deps, options.workspace), options.workspace);
    if (!repository) return { removed: [], refused: [] };
    commonDir = repository.commonDir;
  }
  return pruneWorktrees((dir) => getGitFor(deps, dir), {
    worktreeDir: deps.worktreeDir,
    inUse: options.inUse,
    force: options.force,
    dryRun: options.dryRun,
    ...(deps.engine === undefined ? {} : { engine: deps.engine }),
    ...(commonDir === undefined ? {} : { commonDir }),
  });
}
