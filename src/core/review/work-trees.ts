import type { GitRunner } from '../worktree/git.js';

// Trees of the user's repository that the review commands compare: git reads them as data only.

/** The agent's work at one moment: its HEAD and a tree of its files (committed and not). */
export interface WorkSnapshot {
  /** The agent's HEAD commit (fetched into `refs/agentctl/<agent>/head`); undefined before its first commit. */
  head: string | undefined;
  /** A tree object, in the user's repository, of the agent's files as they are now. */
  tree: string;
  /** What differs between `head` and `tree`: files the agent changed but did not commit. */
  uncommitted: FileChange[];
  /** Nested repositories and submodules in the agent's files: left out (git is never run in them). */
  skipped: string[];
}

export interface FileChange {
  path: string;
  /** git's letter: A added, M modified, D deleted, T type changed, R renamed. */
  status: string;
  /** For a rename: where it came from. */
  from?: string;
}

const EMPTY_TREE_INPUT = '';

/** The tree of a commit. */
export async function treeOf(git: GitRunner, commonDir: string, commit: string): Promise<string> {
  return git(['rev-parse', '--verify', '--end-of-options', `${commit}^{tree}`], { cwd: commonDir });
}

/** The empty tree in the repository's object format (sha1 or sha256). */
export async function getEmptyTree(git: GitRunner, commonDir: string): Promise<string> {
  return git(['hash-object', '-t', 'tree', '-w', '--stdin'], { cwd: commonDir, input: EMPTY_TREE_INPUT });
}

/**
 * Tree-to-tree differences, read in the user's git dir (no work tree: git reads no attributes of
 * the agent's files, and runs no external diff or text conversion).
 */
export async function diffTrees(git: GitRunner, commonDir: string, from: string, to: string): Promise<FileChange[]> {
  const output = await git(
    ['diff-tree', '-r', '-M', '--no-ext-diff', '--no-textconv', '--name-status', '-z', from, to],
    {
      cwd: commonDir,
    },
  );
  const fields = output.split('\0');
  const changes: FileChange[] = [];
  for (let index = 0; index < fields.length;) {
    const status = fields[index++];
    if (!status) break;
    if (status.startsWith('R') || status.startsWith('C')) {
      const from = fields[index++]!;
      changes.push({ path: fields[index++]!, status: status[0]!, from });
    } else {
      changes.push({ path: fields[index++]!, status: status[0]! });
    }
  }
  return changes;
}
