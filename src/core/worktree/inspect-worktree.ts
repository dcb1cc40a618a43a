import { existsSync } from 'node:fs';
import { copyFile, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { getAgentRefPrefix } from './agent-repository.js';
import { getAgentFilesGitArgs } from './filters-off.js';
import { GitCommandError, gitFailed, type GitRunner } from './git.js';

/** Where an agent's git state is, as recorded in its labels (or its agent.json). */
export interface WorktreeLocation {
  agent: string;
  /** The user's repository's common git dir (label io.agentctl.repository). */
  commonDir: string;
  /** The agent's branch (label io.agentctl.branch). */
  branch: string;
  /** agentctl's directory of the agent's git state (label io.agentctl.git-state). */
  stateDir: string;
  /** Worktree mode: the host path of the agent's files (label io.agentctl.worktree). */
  path?: string;
}

export interface CommitSummary {
  sha: string;
  subject: string;
}

/** How the agent's branch in the user's repository was brought up to date with the agent's. */
export type MirrorOutcome =
  /** Moved to the agent's commit (or created). */
  | 'updated'
  /** Already there. */
  | 'unchanged'
  /** Moved by the user since agentctl last set it: left alone. */
  | 'diverged'
  /** Deleted by the user since agentctl made it: not made again. */
  | 'deleted'
  /** Checked out in one of the user's worktrees: left alone. */
  | 'checked-out'
  /** The agent's repository no longer exists. */
  | 'gone';

/** What removing an agent's git state (and its branch) would lose. */
export interface WorktreeState {
  /** False when the agent's repository no longer exists on the host. */
  exists: boolean;
  /** False when the branch no longer exists in the user's repository. */
  branchExists: boolean;
  /** Files of the agent's worktree that differ from its HEAD: ` M path`, ` D path`, `?? path`. */
  uncommitted: string[];
  /** The agent's commits on no other branch, remote-tracking branch or tag of the user's. */
  unmergedCommits: CommitSummary[];
  /** The agent's commits on no ref of the user's at all, its own branch included (a detached HEAD, another branch). */
  strandedCommits: CommitSummary[];
  /** The branch's upstream, when it has one (e.g. `origin/agent/x`). */
  upstream: string | undefined;
  /** Commits on the branch not on its upstream (empty without an upstream). */
  unpushedCommits: CommitSummary[];
  /** The agent's HEAD commit, when it has one. */
  head: string | undefined;
  mirror: MirrorOutcome;
}

/** True when removing the agent's git state (and, unless `keepBranch`, its branch) loses nothing. */
export function isWorktreeClean(state: WorktreeState, keepBranch = false): boolean {
  return state.uncommitted.length === 0 && (keepBranch ? state.strandedCommits : state.unmergedCommits).length === 0;
}

export function getAgentGitDir(location: Pick<WorktreeLocation, 'stateDir'>): string {
  return path.join(location.stateDir, 'repo.git');
}

/**
 * Fetches the agent's branches and HEAD from its repository into hidden refs of the user's
 * repository (`refs/agentctl/<agent>/…`), and moves the agent's branch of the user's repository to
 * the agent's commit when the user has not moved it meanwhile (compare-and-swap on the value
 * agentctl set last). Only `git fetch` ever reads the agent's repository: git runs nothing of a
 * repository it fetches from. Runs git in the user's repository only.
 */
export async function syncAgentRepository(
  git: GitRunner,
  location: WorktreeLocation,
): Promise<{ refs: Map<string, RefInfo>; mirror: MirrorOutcome }> {
  const cwd = location.commonDir;
  const prefix = getAgentRefPrefix(location.agent);
  const gitDir = getAgentGitDir(location);
  const gone = !existsSync(path.join(gitDir, 'HEAD'));
  if (!gone) {
    const fetch = [
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-write-fetch-head',
      '--no-auto-maintenance',
      '--no-recurse-submodules',
      '--prune',
      gitDir,
      `+refs/heads/*:${prefix}heads/*`,
    ];
    await retryOnRefLock(() =>
      git([...fetch, `+HEAD:${prefix}head`], { cwd }).catch(async (error: unknown) => {
        // A HEAD without a commit (or pointing nowhere): the branches alone.
        if (
          error instanceof GitCommandError &&
          /couldn't find remote ref HEAD|HEAD/.test(error.stderr) &&
          !isRefLockError(error)
        )
          return git(fetch, { cwd });
        throw error;
      }),
    );
  }
  const refs = await readRefs(git, cwd, [`refs/heads/${location.branch}`, prefix]);
  if (gone) return { refs, mirror: 'gone' };
  const user = refs.get(`refs/heads/${location.branch}`);
  const agentTip = refs.get(`${prefix}heads/${location.branch}`);
  const mirrored = refs.get(`${prefix}mirror`);
  if (!agentTip || agentTip.commit === user?.commit) return { refs, mirror: 'unchanged' };
  // agentctl made the branch (and recorded it) and the user deleted it since: it stays deleted.
  if (!user && mirrored) return { refs, mirror: 'deleted' };
  if (user?.checkedOutAt) return { refs, mirror: 'checked-out' };
  if (user && user.commit !== mirrored?.commit) return { refs, mirror: 'diverged' };
  const { updateRefs } = await import('./agent-repository.js');
  try {
    await updateRefs(git, cwd, [
      user
        ? `update refs/heads/${location.branch} ${agentTip.commit} ${user.commit}`
        : `create refs/heads/${location.branch} ${agentTip.commit}`,
      `update ${prefix}mirror ${agentTip.commit}`,
    ]);
  } catch (error) {
    // A concurrent sync (an `ls` in another terminal) that moved it first fails this
    // compare-and-swap: when the branch is where this one would have put it, that answer stands.
    const now = await readRefs(git, cwd, [`refs/heads/${location.branch}`]);
    if (now.get(`refs/heads/${location.branch}`)?.commit !== agentTip.commit) throw error;
    return { refs: new Map([...refs, ...now]), mirror: 'unchanged' };
  }
  refs.set(`refs/heads/${location.branch}`, {
    ...(user ?? { checkedOutAt: undefined, upstream: undefined }),
    commit: agentTip.commit,
  });
  refs.set(`${prefix}mirror`, { commit: agentTip.commit, checkedOutAt: undefined, upstream: undefined });
  return { refs, mirror: 'updated' };
}

/** Another agentctl (an `ls` in another terminal) updating the same refs at this moment. */
function isRefLockError(error: unknown): boolean {
  return (
    error instanceof GitCommandError &&
    /cannot lock ref|Unable to create '.*\.lock'|unable to update local ref/i.test(error.stderr)
  );
}

async function retryOnRefLock<T>(action: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= attempts || !isRefLockError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 40 * attempt + Math.floor(Math.random() * 40)));
    }
  }
}

export interface RefInfo {
  commit: string;
  checkedOutAt: string | undefined;
  upstream: string | undefined;
}

async function readRefs(git: GitRunner, cwd: string, patterns: string[]): Promise<Map<string, RefInfo>> {
  const output = await git(
    ['for-each-ref', '--format=%(refname)%00%(objectname)%00%(worktreepath)%00%(upstream:short)', ...patterns],
    { cwd },
  );
  const refs = new Map<string, RefInfo>();
  for (const line of output.split('\n')) {
    const [name, commit, checkedOutAt, upstream] = line.split('\0');
    if (!name || !commit) continue;
    refs.set(name, { commit, checkedOutAt: checkedOutAt || undefined, upstream: upstream || undefined });
  }
  return refs;
}

/**
 * Syncs the agent's repository (above), then reports what removing it would lose: uncommitted
 * files of its worktree, compared with its HEAD through agentctl's own index (git reads the
 * agent's files as data, never its repository), and commits only the agent holds.
 */
export async function inspectWorktree(git: GitRunner, location: WorktreeLocation): Promise<WorktreeState> {
  const cwd = location.commonDir;
  try {
    const { refs, mirror } = await syncAgentRepository(git, location);
    const prefix = getAgentRefPrefix(location.agent);
    const branchRef = `refs/heads/${location.branch}`;
    const user = refs.get(branchRef);
    const head = refs.get(`${prefix}head`)?.commit;
    const agentRefs = [...refs.keys()].filter((name) => name.startsWith(`${prefix}heads/`) || name === `${prefix}head`);
    const positive = [...agentRefs, ...(user ? [branchRef] : [])];
    const others = [`--exclude=${location.branch}`, '--branches', '--remotes', '--tags'];
    const unmergedCommits = positive.length > 0 ? await listCommits(git, cwd, [...positive, '--not', ...others]) : [];
    const strandedCommits =
      agentRefs.length > 0
        ? await listCommits(git, cwd, [...agentRefs, '--not', '--branches', '--remotes', '--tags'])
        : [];
    const upstream = user?.upstream;
    const unpushedCommits = upstream ? await listCommits(git, cwd, [`${branchRef}@{upstream}..${branchRef}`]) : [];
    const uncommitted =
      location.path && head && existsSync(location.path) ? await listUncommitted(git, location, head) : [];
    return {
      exists: mirror !== 'gone',
      branchExists: user !== undefined,
      uncommitted,
      unmergedCommits,
      strandedCommits,
      upstream,
      unpushedCommits,
      head,
      mirror,
    };
  } catch (error) {
    if (error instanceof GitCommandError)
      throw gitFailed(`Inspecting the git work of agent ${location.agent}`, cwd, error);
    throw error;
  }
}

/**
 * The worktree's files against the agent's HEAD, with the user's repository as git dir (its own
 * config, trusted), agentctl's index (`<state>/index`, kept between calls so unchanged files are
 * not read again; each call works on a copy of its own) and the agent's files as work tree. The agent's `.git` (its repository) is never
 * read: git skips `.git` in a work tree.
 */
async function listUncommitted(git: GitRunner, location: WorktreeLocation, head: string): Promise<string[]> {
  const workTree = location.path!;
  // Each call works on an index of its own, copied from the kept one and renamed over it at the
  // end: two `ls` at once on one agent never share an index that the other is rewriting.
  const kept = path.join(location.stateDir, 'index');
  const own = `${kept}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await copyFile(kept, own).catch(() => undefined);
  const options = { cwd: workTree, env: { GIT_INDEX_FILE: own } };
  // The agent's .gitattributes pick which of the user's filter drivers would run on its files: none does.
  const base = await getAgentFilesGitArgs(git, location.commonDir, workTree);
  let changed: string;
  let untracked: string;
  try {
    // -m keeps the cached file stats of entries that match the tree: later calls re-read only what changed.
    await git([...base, 'read-tree', '-m', head], options).catch(() => git([...base, 'read-tree', head], options));
    await git([...base, 'update-index', '-q', '--refresh'], options).catch(() => undefined);
    changed = await git([...base, 'diff-files', '--name-status', '-z'], options);
    untracked = await git([...base, 'ls-files', '--others', '--exclude-standard', '-z'], options);
    await rename(own, kept).catch(() => undefined);
  } finally {
    await rm(own, { force: true }).catch(() => undefined);
  }
  const lines: string[] = [];
  const fields = changed.split('\0').filter((field) => field.length > 0);
  for (let index = 0; index + 1 < fields.length; index += 2) lines.push(` ${fields[index]![0]} ${fields[index + 1]}`);
  for (const file of untracked.split('\0')) if (file.length > 0) lines.push(`?? ${file}`);
  return lines;
}

async function listCommits(git: GitRunner, cwd: string, range: string[]): Promise<CommitSummary[]> {
  const output = await git(['log', '--format=%H %s', ...range, '--'], { cwd });
  return output
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const space = line.indexOf(' ');
      return space < 0 ? { sha: line, subject: '' } : { sha: line.slice(0, space), subject: line.slice(space + 1) };
    });
}
