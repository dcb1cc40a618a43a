import { createHash } from 'node:crypto';
import path from 'node:path';
import { GitCommandError, type GitRunner } from './git.js';

/** The git repository a workspace belongs to. All paths are absolute host paths. */
export interface Repository {
  /** Top level of the checkout the workspace is in (the main checkout or a linked worktree). */
  checkout: string;
  /** The repository's common git dir: objects, refs, config and worktrees/ live here. */
  commonDir: string;
  /** The checkout's own git dir (equals commonDir unless the checkout is a linked worktree). */
  gitDir: string;
  /** True when the checkout itself is a linked worktree of another checkout. */
  isLinkedWorktree: boolean;
  /** Short stable identifier of the repository (from its common dir): `<name>-<hash>`. */
  key: string;
}

/**
 * The repository of `workspace`, or undefined when it is not inside a git work tree. Handles a
 * workspace that is itself a linked worktree, paths with spaces and `--separate-git-dir` repositories
 * (whose common dir lies outside the checkout), all through git's own answers.
 */
export async function findRepository(git: GitRunner, workspace: string): Promise<Repository | undefined> {
  let output: string;
  try {
    output = await git(['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir', '--git-dir'], {
      cwd: workspace,
    });
  } catch (error) {
    // Not a repository, or inside a .git dir / bare repository (no --show-toplevel).
    if (error instanceof GitCommandError) return undefined;
    throw error;
  }
  const [checkout, commonDir, gitDir] = output.split('\n');
  if (!checkout || !commonDir || !gitDir) return undefined;
  return {
    checkout: path.resolve(checkout),
    commonDir: path.resolve(commonDir),
    gitDir: path.resolve(gitDir),
    isLinkedWorktree: path.resolve(commonDir) !== path.resolve(gitDir),
    key: getRepositoryKey(path.resolve(commonDir)),
  };
}

/** `<name>-<8 hex>`: readable in a directory listing and unique per common dir. */
export function getRepositoryKey(commonDir: string): string {
  const base = path.basename(commonDir) === '.git' ? path.basename(path.dirname(commonDir)) : path.basename(commonDir);
  const name =
    base
      .replace(/\.git$/, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+/, '') || 'repository';
  const hash = createHash('sha256').update(commonDir).digest('hex').slice(0, 8);
  return `${name.slice(0, 40)}-${hash}`;
}
