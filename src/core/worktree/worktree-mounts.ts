import path from 'node:path';
import { ConflictError } from '../../shared/errors.js';

/** A bind mount of a host path into the agent's container. */
export interface WorktreeMount {
  source: string;
  target: string;
  readOnly: boolean;
}

export const CONTAINER_WORKSPACE = '/workspace';

/**
 * For a read-only agent on a checkout whose git dir lies outside it (a checkout that is itself a
 * linked worktree, a `--separate-git-dir` repository): the common dir at its host path (git reads
 * it there, as the `.git` file names it) and, for a linked worktree, its own admin dir. Writing
 * agents never get these: they get a repository of their own (agent-repository.ts).
 */
export function getGitDirMounts(
  dirs: { commonDir: string; gitDir: string; readOnly: boolean },
  workspaceTarget = CONTAINER_WORKSPACE,
): WorktreeMount[] {
  const { commonDir, gitDir, readOnly } = dirs;
  if (isSameOrInside(commonDir, workspaceTarget) || isSameOrInside(workspaceTarget, commonDir)) {
    throw new ConflictError(
      'WORKTREE_MOUNT_CONFLICT',
      `The repository's git dir ${commonDir} collides with ${workspaceTarget} inside the container`,
      {
        hint: `Move the repository out of ${workspaceTarget} (or start without --worktree)`,
        details: { commonDir },
      },
    );
  }
  const mounts: WorktreeMount[] = [{ source: commonDir, target: commonDir, readOnly }];
  const worktreesDir = path.join(commonDir, 'worktrees');
  if (gitDir !== commonDir && isSameOrInside(gitDir, worktreesDir)) {
    mounts.push({ source: worktreesDir, target: worktreesDir, readOnly: true });
    mounts.push({ source: gitDir, target: gitDir, readOnly });
  }
  return mounts;
}

function isSameOrInside(child: string, parent: string): boolean {
  const relative = path.posix.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.posix.isAbsolute(relative));
}
