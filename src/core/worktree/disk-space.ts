import { statfs } from 'node:fs/promises';
import { findNoSpaceError } from '../../shared/errors.js';
import { GitCommandError, type GitRunner } from './git.js';

/** How many bytes the files of `commit` take (what checking it out writes, before the index). */
async function treeSize(git: GitRunner, cwd: string, commit: string): Promise<number> {
  const listing = await git(['ls-tree', '-r', '-l', '-z', commit], { cwd });
  let total = 0;
  for (const entry of listing.split('\0')) {
    const size = Number(/^\S+ \S+ \S+ +(\d+)\t/.exec(entry)?.[1]);
    if (Number.isFinite(size)) total += size;
  }
  return total;
}

/**
 * Whether a failed write of the agent's files into `directory` failed for want of disk space. Node
 * says so (ENOSPC, EDQUOT); git often does not ("unable to write file X"), so after a git failure
 * the disk's free space is compared with what checking out `commit` needs.
 */
export async function failedForWantOfSpace(
  error: unknown,
  check: {
    git: GitRunner;
    cwd: string;
    commit: string | undefined;
    directory: string;
    statfs?: (directory: string) => Promise<{ bavail: number; bsize: number }>;
  },
): Promise<boolean> {
  if (findNoSpaceError(error)) return true;
  if (!(error instanceof GitCommandError)) return false;
  if (/no space left on device|disk quota exceeded/i.test(error.stderr)) return true;
  if (check.commit === undefined) return false;
  try {
    const [disk, needed] = await Promise.all([
      (check.statfs ?? statfs)(check.directory),
      treeSize(check.git, check.cwd, check.commit),
    ]);
    return disk.bavail * disk.bsize < needed;
  } catch {
    return false;
  }
}
