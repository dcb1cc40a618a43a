import { existsSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { getAgentRefPrefix } from '../worktree/agent-repository.js';
import { GitCommandError, gitFailed, type GitRunner } from '../worktree/git.js';
import { getAgentFilesGitArgs } from '../worktree/filters-off.js';
import { syncAgentRepository, type WorktreeLocation } from '../worktree/inspect-worktree.js';
import type { AgentWork } from './agent-work.js';
import { diffTrees, getEmptyTree, treeOf, type WorkSnapshot } from './work-trees.js';

export { diffTrees, getEmptyTree, treeOf, type FileChange, type WorkSnapshot } from './work-trees.js';

/**
 * Fetches the agent's refs into the user's repository (the containment path: git fetch only), then
 * records the agent's files as a tree object with agentctl's own index (`<state>/review-index`):
 * git runs with the user's repository as its git dir and reads the agent's files as data. The
 * agent's own repository, its hooks and its config are never read; nested repositories and
 * submodules are left out, so git never looks inside them either.
 */
export async function snapshotAgentWork(work: AgentWork): Promise<WorkSnapshot> {
  // An agent in a clone of its own (Kubernetes): its work comes as git objects (cloned-work.ts).
  if (work.snapshot) return work.snapshot();
  const { git, location } = work;
  try {
    const { refs } = await syncAgentRepository(git, location);
    const prefix = getAgentRefPrefix(location.agent);
    const head = refs.get(`${prefix}head`)?.commit ?? refs.get(`${prefix}heads/${location.branch}`)?.commit;
    if (!work.workTree || !existsSync(work.workTree)) {
      const tree = head ? await treeOf(git, location.commonDir, head) : await getEmptyTree(git, location.commonDir);
      return { head, tree, uncommitted: [], skipped: [] };
    }
    const { tree, skipped } = await writeWorkTree(git, location, work.workTree, head);
    const uncommitted = await diffTrees(
      git,
      location.commonDir,
      head ?? (await getEmptyTree(git, location.commonDir)),
      tree,
    );
    return { head, tree, uncommitted, skipped };
  } catch (error) {
    if (error instanceof GitCommandError)
      throw gitFailed(`Reading the work of agent ${location.agent}`, location.commonDir, error);
    throw error;
  }
}

async function writeWorkTree(
  git: GitRunner,
  location: WorktreeLocation,
  workTree: string,
  head: string | undefined,
): Promise<{ tree: string; skipped: string[] }> {
  const options = { cwd: workTree, env: { GIT_INDEX_FILE: path.join(location.stateDir, 'review-index') } };
  const base = await getAgentFilesGitArgs(git, location.commonDir, workTree);
  if (head) {
    // -m keeps the cached file stats of entries that match HEAD: later calls re-read only what changed.
    await git([...base, 'read-tree', '-m', head], options).catch(() => git([...base, 'read-tree', head], options));
  } else {
    await git([...base, 'read-tree', '--empty'], options);
  }
  const staged = await git([...base, 'ls-files', '--stage', '-z'], options);
  const skipped: string[] = [];
  const tracked: string[] = [];
  for (const entry of staged.split('\0')) {
    if (!entry) continue;
    const tab = entry.indexOf('\t');
    const file = entry.slice(tab + 1);
    // A submodule: its commit could be read only by running git in the agent's nested repository.
    if (entry.startsWith('160000 ')) skipped.push(file);
    else tracked.push(file);
  }
  const untracked = (await git([...base, 'ls-files', '--others', '--exclude-standard', '-z'], options))
    .split('\0')
    .filter((file) => file.length > 0);
  const added: string[] = [];
  for (const file of untracked) {
    // A directory with its own .git (a nested repository): git would have to look inside it.
    if (file.endsWith('/')) skipped.push(file.slice(0, -1));
    else added.push(file);
  }
  // A path whose directory the agent replaced by a link (or a file) is gone: git refuses to read
  // "beyond a symbolic link", and so does agentctl.
  const { present, gone } = splitByLeadingPath(workTree, tracked);
  if (gone.length > 0)
    await git([...base, 'update-index', '-z', '--force-remove', '--stdin'], { ...options, input: nul(gone) });
  const update = [...present, ...added];
  if (update.length > 0)
    await git([...base, 'update-index', '-z', '--add', '--remove', '--stdin'], { ...options, input: nul(update) });
  const tree = await git([...base, 'write-tree'], options);
  return { tree, skipped: skipped.sort() };
}

function nul(paths: readonly string[]): string {
  return paths.map((file) => `${file}\0`).join('');
}

/** Paths whose every leading directory is a real directory (`present`), and the others. */
function splitByLeadingPath(workTree: string, files: readonly string[]): { present: string[]; gone: string[] } {
  const directories = new Map<string, boolean>();
  const isDirectory = (dir: string): boolean => {
    let known = directories.get(dir);
    if (known === undefined) {
      const parent = path.posix.dirname(dir);
      known =
        (parent === '.' || isDirectory(parent)) &&
        lstatSync(path.join(workTree, dir), { throwIfNoEntry: false })?.isDirectory() === true;
      directories.set(dir, known);
    }
    return known;
  };
  const present: string[] = [];
  const gone: string[] = [];
  for (const file of files) {
    const dir = path.posix.dirname(file);
    (dir === '.' || isDirectory(dir) ? present : gone).push(file);
  }
  return { present, gone };
}
