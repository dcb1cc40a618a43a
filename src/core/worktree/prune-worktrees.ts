import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isAgentctlError, type AgentctlError } from '../../shared/errors.js';
import { AGENT_STATE_DIR, getAgentGitState, type AgentGitRecord } from './agent-repository.js';
import type { GitRunner } from './git.js';
import type { WorktreeLocation } from './inspect-worktree.js';
import { inspectWorktree, isWorktreeClean } from './inspect-worktree.js';
import { removeAgentWorktree, unsafeRemovalError, type RemoveWorktreeResult } from './remove-worktree.js';

/** An agent's git state agentctl made, found by its agent.json. */
export interface ManagedWorktree {
  agent: string;
  location: WorktreeLocation;
  /** The engine endpoint it was made for (null: not recorded). */
  engine: string | null;
}

/**
 * Every agent git state under `worktreeDir`: `<worktreeDir>/<key>/.agents/<agent>/agent.json`,
 * written by agentctl where no agent can write (only the repository beside it is mounted).
 */
export async function listManagedWorktrees(worktreeDir: string): Promise<ManagedWorktree[]> {
  const found: ManagedWorktree[] = [];
  for (const key of (await readdir(worktreeDir).catch(() => [] as string[])).sort()) {
    const agents = await readdir(path.join(worktreeDir, key, AGENT_STATE_DIR)).catch(() => [] as string[]);
    for (const agent of agents.sort()) {
      const state = getAgentGitState(worktreeDir, key, agent);
      const record = await readFile(state.record, 'utf8').then(
        (text) => JSON.parse(text) as AgentGitRecord,
        () => undefined,
      );
      if (!record || record.agent !== agent || !existsSync(record.commonDir)) continue;
      found.push({
        agent,
        engine: record.engine,
        location: {
          agent,
          commonDir: record.commonDir,
          branch: record.branch,
          stateDir: state.dir,
          ...(record.mode === 'worktree' ? { path: record.workTree } : {}),
        },
      });
    }
  }
  return found;
}

/** The git runner for a repository (by its common dir): as its owner when agentctl runs as root. */
export type GitFor = (commonDir: string) => Promise<GitRunner>;

/** A state this young may belong to a start still creating its container: prune leaves it. */
export const PRUNE_GRACE_MS = 5 * 60_000;

export interface PruneWorktreesOptions {
  worktreeDir: string;
  /** Only agents of this repository (common dir). */
  commonDir?: string;
  /** List only; remove nothing. */
  dryRun?: boolean;
  /** Default Date.now(). */
  now?: number;
  /** State directories of agents that still exist (their io.agentctl.git-state labels). */
  inUse: ReadonlySet<string>;
  /**
   * The engine this prune asks about agents: a state recorded for another engine is left alone,
   * since this engine cannot tell whether its agent still exists.
   */
  engine?: string;
  force?: boolean;
  keepBranch?: boolean;
}

export interface PruneWorktreesResult {
  /** Removed (or, with dryRun, would be removed when clean). */
  removed: Array<Pick<RemoveWorktreeResult, 'path' | 'branch' | 'deletedBranch'> & { agent: string }>;
  /** Orphans kept because removing them would lose work (rerun with force). */
  refused: Array<{ agent: string; location: WorktreeLocation; error: AgentctlError }>;
}

/** Removes the git state (and branches) of agents that no longer exist, with rm's safety. */
export async function pruneWorktrees(gitFor: GitFor, options: PruneWorktreesOptions): Promise<PruneWorktreesResult> {
  const result: PruneWorktreesResult = { removed: [], refused: [] };
  const now = options.now ?? Date.now();
  for (const { agent, location, engine } of await listManagedWorktrees(options.worktreeDir)) {
    if (options.inUse.has(location.stateDir)) continue;
    if (options.commonDir !== undefined && location.commonDir !== options.commonDir) continue;
    if (engine !== null && options.engine !== undefined && engine !== options.engine) continue;
    // agent.json is written once, when the agent's state is made: its age is the state's.
    const created = await stat(path.join(location.stateDir, 'agent.json')).then(
      (info) => info.mtimeMs,
      () => 0,
    );
    if (now - created < PRUNE_GRACE_MS) continue;
    const git = await gitFor(location.commonDir);
    const keepBranch = options.keepBranch ?? false;
    try {
      if (options.dryRun) {
        const state = await inspectWorktree(git, location);
        if (!options.force && !isWorktreeClean(state, keepBranch))
          throw unsafeRemovalError(location, state, keepBranch);
        result.removed.push({
          agent,
          path: location.path ?? '',
          branch: location.branch,
          deletedBranch: !keepBranch && state.branchExists,
        });
        continue;
      }
      const removed = await removeAgentWorktree(git, location, { force: options.force ?? false, keepBranch });
      result.removed.push({ agent, path: removed.path, branch: removed.branch, deletedBranch: removed.deletedBranch });
    } catch (error) {
      // One agent whose work cannot be looked at (its repository unreadable to this user, say) is
      // kept and reported like one holding work: it neither stops the prune of the others nor goes.
      if (isAgentctlError(error) && (error.kind === 'unsafe' || error.code === 'GIT_FAILED')) {
        result.refused.push({ agent, location, error });
        continue;
      }
      throw error;
    }
  }
  return result;
}
