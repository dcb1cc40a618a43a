import path from 'node:path';
import { ConflictError } from '../errors.js';
import type { AgentWorktree } from './create-worktree.js';

/** A bind mount of a host path into the agent's container. */
export interface WorktreeMount {
  source: string;
  target: string;
  readOnly: boolean;
}

export const CONTAINER_WORKSPACE = '/workspace';

/**
 * The mounts that make git work inside the container for an agent's worktree:
 *
 * 1. the worktree at /workspace;
 * 2. the repository's common git dir at the same absolute path as on the host, because the
 *    worktree's `.git` file names `gitdir: <commonDir>/worktrees/<id>` (objects and refs live there);
 * 3. `<commonDir>/worktrees` read-only, so that `git worktree prune` (or `git worktree add`) inside
 *    the container cannot delete or change the metadata of the user's other worktrees, whose
 *    directories it cannot see; gc still reads their HEADs and indexes, so no object they need is
 *    pruned;
 * 4. the agent's own admin dir read-write on top (HEAD, index, logs of its worktree). It is locked,
 *    so a prune inside skips it although the host path it records is not visible in the container.
 *
 * The worktree is deliberately not also mounted at its host path: that path usually lies in the
 * user's home directory, and creating it inside the container would put root-owned directories into
 * the image's home.
 */
export function getWorktreeMounts(worktree: AgentWorktree, workspaceTarget = CONTAINER_WORKSPACE): WorktreeMount[] {
  return [
    { source: worktree.path, target: workspaceTarget, readOnly: false },
    ...getGitDirMounts({ commonDir: worktree.repository.commonDir, gitDir: worktree.adminDir, readOnly: false }, workspaceTarget),
  ];
}

/**
 * Mounts 2–4 above for any checkout whose git dir lies outside it (an agent's worktree, a checkout
 * that is itself a linked worktree, a `--separate-git-dir` repository): the common dir at its host
 * path and, for a linked worktree, the other worktrees' metadata read-only and its own read-write.
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
