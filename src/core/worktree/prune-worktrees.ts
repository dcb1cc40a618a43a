import { existsSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { isAgentctlError, type UnsafeOperationError } from '../errors.js';
import { getRepositoryMarkerPath, LOCK_REASON_PREFIX } from './create-worktree.js';
import { gitFailed, type GitRunner } from './git.js';
import type { WorktreeLocation } from './inspect-worktree.js';
import { inspectWorktree, isWorktreeClean } from './inspect-worktree.js';
import { removeAgentWorktree, unsafeRemovalError, type RemoveWorktreeResult } from './remove-worktree.js';

/** A worktree agentctl made, found in its worktree directory and the repository's worktree list. */
export interface ManagedWorktree {
  agent: string;
  location: WorktreeLocation;
}

/**
 * Every worktree agentctl made under `worktreeDir`: for each repository directory there, the
 * repository's own `git worktree list`, keeping entries inside that directory whose lock reason is
 * agentctl's. Also finds worktrees whose directory was deleted by hand (the lock keeps their metadata).
 */
export async function listManagedWorktrees(gitFor: GitFor, worktreeDir: string): Promise<ManagedWorktree[]> {
  const keys = await readdir(worktreeDir).catch(() => [] as string[]);
  const found: ManagedWorktree[] = [];
  for (const key of keys.sort()) {
    const marker = await readFile(getRepositoryMarkerPath(worktreeDir, key), 'utf8').catch(() => undefined);
    const commonDir = marker?.trim();
    if (!commonDir || !existsSync(commonDir)) continue;
    let listing: string;
    try {
      listing = await (await gitFor(commonDir))(['worktree', 'list', '--porcelain'], { cwd: commonDir });
    } catch (error) {
      throw gitFailed('Listing worktrees', commonDir, error);
    }
    // git records real paths (symbolic links resolved).
    const prefix = (await realpath(path.join(worktreeDir, key))) + path.sep;
    for (const entry of parseWorktreeList(listing)) {
      if (!entry.path.startsWith(prefix) || !entry.locked?.startsWith(LOCK_REASON_PREFIX)) continue;
      const agent = entry.locked.slice(LOCK_REASON_PREFIX.length);
      found.push({ agent, location: { commonDir, path: entry.path, branch: entry.branch ?? '' } });
    }
  }
  return found;
}

/** The git runner for a repository (by its common dir): as its owner when agentctl runs as root. */
export type GitFor = (commonDir: string) => Promise<GitRunner>;

/** A worktree this young may belong to a start still creating its container: prune leaves it. */
export const PRUNE_GRACE_MS = 5 * 60_000;

export interface PruneWorktreesOptions {
  worktreeDir: string;
  /** Only worktrees of this repository (common dir). */
  commonDir?: string;
  /** List only; remove nothing. */
  dryRun?: boolean;
  /** Default Date.now(). */
  now?: number;
  /** Host paths of the worktrees of agents that still exist (their io.agentctl.worktree labels). */
  inUse: ReadonlySet<string>;
  force?: boolean;
  keepBranch?: boolean;
}

export interface PruneWorktreesResult {
  /** Removed (or, with dryRun, would be removed when clean). */
  removed: Array<Pick<RemoveWorktreeResult, 'path' | 'branch' | 'deletedBranch'> & { agent: string }>;
  /** Orphans kept because removing them would lose work (rerun with force). */
  refused: Array<{ agent: string; location: WorktreeLocation; error: UnsafeOperationError }>;
}

/** Removes the worktrees (and branches) of agents that no longer exist, with rm's safety. */
export async function pruneWorktrees(gitFor: GitFor, options: PruneWorktreesOptions): Promise<PruneWorktreesResult> {
  const result: PruneWorktreesResult = { removed: [], refused: [] };
  const now = options.now ?? Date.now();
  for (const { agent, location } of await listManagedWorktrees(gitFor, options.worktreeDir)) {
    if (options.inUse.has(location.path)) continue;
    if (options.commonDir !== undefined && location.commonDir !== options.commonDir) continue;
    // The .git file is written once, by `worktree add`: its age is the worktree's.
    const created = await stat(path.join(location.path, '.git')).then((info) => info.mtimeMs, () => 0);
    if (now - created < PRUNE_GRACE_MS) continue;
    const git = await gitFor(location.commonDir);
    const keepBranch = options.keepBranch ?? false;
    try {
      if (options.dryRun) {
        const state = await inspectWorktree(git, location);
        if (!options.force && !isWorktreeClean(state, keepBranch)) throw unsafeRemovalError(agent, location, state, keepBranch);
        result.removed.push({ agent, path: location.path, branch: location.branch, deletedBranch: !keepBranch && state.branchExists });
        continue;
      }
      const removed = await removeAgentWorktree(git, location, { agent, force: options.force ?? false, keepBranch });
      result.removed.push({ agent, path: removed.path, branch: removed.branch, deletedBranch: removed.deletedBranch });
    } catch (error) {
      if (isAgentctlError(error) && error.kind === 'unsafe') {
        result.refused.push({ agent, location, error: error as UnsafeOperationError });
        continue;
      }
      throw error;
    }
  }
  return result;
}

interface WorktreeListEntry {
  path: string;
  branch: string | undefined;
  locked: string | undefined;
}

/** Parses `git worktree list --porcelain`: records separated by blank lines. */
export function parseWorktreeList(output: string): WorktreeListEntry[] {
  const entries: WorktreeListEntry[] = [];
  let current: WorktreeListEntry | undefined;
  for (const line of output.split('\n')) {
    if (line.startsWith('worktree ')) {
      current = { path: line.slice('worktree '.length), branch: undefined, locked: undefined };
      entries.push(current);
    } else if (current && line.startsWith('branch refs/heads/')) {
      current.branch = line.slice('branch refs/heads/'.length);
    } else if (current && (line === 'locked' || line.startsWith('locked '))) {
      current.locked = line.slice('locked '.length);
    }
  }
  return entries;
}
