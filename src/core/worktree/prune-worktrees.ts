import { existsSync } from 'node:fs';
import { readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { isAgentctlError, type UnsafeOperationError } from '../errors.js';
import { getRepositoryMarkerPath, LOCK_REASON_PREFIX } from './create-worktree.js';
import { gitFailed, type GitRunner } from './git.js';
import type { WorktreeLocation } from './inspect-worktree.js';
import { removeAgentWorktree, type RemoveWorktreeResult } from './remove-worktree.js';

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
export async function listManagedWorktrees(git: GitRunner, worktreeDir: string): Promise<ManagedWorktree[]> {
  const keys = await readdir(worktreeDir).catch(() => [] as string[]);
  const found: ManagedWorktree[] = [];
  for (const key of keys.sort()) {
    const marker = await readFile(getRepositoryMarkerPath(worktreeDir, key), 'utf8').catch(() => undefined);
    const commonDir = marker?.trim();
    if (!commonDir || !existsSync(commonDir)) continue;
    let listing: string;
    try {
      listing = await git(['worktree', 'list', '--porcelain'], { cwd: commonDir });
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

export interface PruneWorktreesOptions {
  worktreeDir: string;
  /** Host paths of the worktrees of agents that still exist (their io.agentctl.worktree labels). */
  inUse: ReadonlySet<string>;
  force?: boolean;
  keepBranch?: boolean;
}

export interface PruneWorktreesResult {
  removed: RemoveWorktreeResult[];
  /** Orphans kept because removing them would lose work (rerun with force). */
  refused: Array<{ agent: string; location: WorktreeLocation; error: UnsafeOperationError }>;
}

/** Removes the worktrees (and branches) of agents that no longer exist, with rm's safety. */
export async function pruneWorktrees(git: GitRunner, options: PruneWorktreesOptions): Promise<PruneWorktreesResult> {
  const result: PruneWorktreesResult = { removed: [], refused: [] };
  for (const { agent, location } of await listManagedWorktrees(git, options.worktreeDir)) {
    if (options.inUse.has(location.path)) continue;
    try {
      const removeOptions = { agent, force: options.force ?? false, keepBranch: options.keepBranch ?? false };
      result.removed.push(await removeAgentWorktree(git, location, removeOptions));
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
