import { GitCommandError, gitFailed, type GitRunner } from '../worktree/git.js';
import { resolveAgentWork, type ReviewDeps } from './agent-work.js';
import { diffTrees, getEmptyTree, snapshotAgentWork, type FileChange } from './work-snapshot.js';

export interface DiffOptions {
  /** A diffstat instead of the patch. */
  stat?: boolean;
  /** Colour the patch (git's own colours). */
  color?: boolean;
  /** Leave the patch out (--json). */
  patch?: boolean;
}

export interface DiffFile extends FileChange {
  /** Lines added and deleted; null for a binary file. */
  additions: number | null;
  deletions: number | null;
  binary: boolean;
}

export interface AgentCommit {
  sha: string;
  subject: string;
  author: string;
  date: string;
}

export interface AgentDiff {
  agent: string;
  branch: string;
  /** The commit the agent started from; null in a repository that had no commit. */
  base: string | null;
  /** The agent's HEAD; null before its first commit. */
  head: string | null;
  /** Every file the agent changed since `base`, committed or not. */
  files: DiffFile[];
  /** The agent's commits since `base`, newest first. */
  commits: AgentCommit[];
  /** Files changed but not committed (part of `files`). */
  uncommitted: FileChange[];
  /** Nested repositories and submodules left out of the comparison. */
  skipped: string[];
  /** The patch (or with `stat`, the diffstat), as git prints it; undefined when not asked for. */
  text?: string;
}

/**
 * What agent `name` changed since the commit it started from: its commits and its uncommitted
 * files, as one comparison of trees in the user's repository (see snapshotAgentWork).
 */
export async function diffAgent(deps: ReviewDeps, name: string, options: DiffOptions = {}): Promise<AgentDiff> {
  const work = await resolveAgentWork(deps, name, 'diff');
  const snapshot = await snapshotAgentWork(work);
  const { git } = work;
  const cwd = work.location.commonDir;
  try {
    const from = work.base ?? (await getEmptyTree(git, cwd));
    const changes = await diffTrees(git, cwd, from, snapshot.tree);
    const counts = await numstat(git, cwd, from, snapshot.tree);
    const files = changes.map((change): DiffFile => {
      const count = counts.get(change.path);
      const binary = count?.binary ?? false;
      return {
        ...change,
        additions: binary ? null : (count?.additions ?? 0),
        deletions: binary ? null : (count?.deletions ?? 0),
        binary,
      };
    });
    const commits = snapshot.head ? await listAgentCommits(git, cwd, work.base, snapshot.head) : [];
    const result: AgentDiff = {
      agent: work.agent,
      branch: work.location.branch,
      base: work.base ?? null,
      head: snapshot.head ?? null,
      files,
      commits,
      uncommitted: snapshot.uncommitted,
      skipped: snapshot.skipped,
    };
    if (options.patch !== false) {
      const args = [
        'diff',
        '--no-ext-diff',
        '--no-textconv',
        `--color=${options.color ? 'always' : 'never'}`,
        ...(options.stat ? ['--stat'] : []),
        from,
        snapshot.tree,
        '--',
      ];
      result.text = await git(args, { cwd });
    }
    return result;
  } catch (error) {
    if (error instanceof GitCommandError) throw gitFailed(`Comparing the work of agent ${work.agent}`, cwd, error);
    throw error;
  }
}

async function numstat(
  git: GitRunner,
  cwd: string,
  from: string,
  to: string,
): Promise<Map<string, { additions: number; deletions: number; binary: boolean }>> {
  const output = await git(['diff-tree', '-r', '-M', '--no-ext-diff', '--no-textconv', '--numstat', '-z', from, to], {
    cwd,
  });
  const counts = new Map<string, { additions: number; deletions: number; binary: boolean }>();
  const fields = output.split('\0');
  for (let index = 0; index < fields.length;) {
    const field = fields[index++];
    if (!field) break;
    const [added, deleted, file] = field.split('\t');
    // A rename: the path is empty here, and the old and new paths follow as fields of their own.
    let target = file ?? '';
    if (target === '') {
      index += 1;
      target = fields[index++] ?? '';
    }
    const binary = added === '-';
    counts.set(target, { additions: binary ? 0 : Number(added), deletions: binary ? 0 : Number(deleted), binary });
  }
  return counts;
}

/** The agent's commits since `base` (all of them when there is none), newest first. */
export async function listAgentCommits(
  git: GitRunner,
  cwd: string,
  base: string | undefined,
  head: string,
): Promise<AgentCommit[]> {
  const range = base ? [`${base}..${head}`] : [head];
  const output = await git(['log', '-z', '--format=%H%x1f%an <%ae>%x1f%aI%x1f%s', ...range, '--'], { cwd });
  return output
    .split('\0')
    .filter((record) => record.length > 0)
    .map((record) => {
      const [sha, author, date, subject] = record.split('\x1f');
      return { sha: sha!.trim(), author: author ?? '', date: date ?? '', subject: subject ?? '' };
    });
}
