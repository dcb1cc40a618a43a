import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitSync, makeRepository, makeTempDir } from '../../../test/helpers/git-repo.js';
import { isAgentctlError } from '../errors.js';
import { createAgentWorktree, discardAgentWorktree, type AgentWorktree } from './create-worktree.js';
import { findRepository, type Repository } from './find-repository.js';
import { createGitRunner } from './git.js';
import { inspectWorktree } from './inspect-worktree.js';
import { listManagedWorktrees, PRUNE_GRACE_MS, pruneWorktrees } from './prune-worktrees.js';
import { removeAgentWorktree } from './remove-worktree.js';

const git = createGitRunner({ ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' });
let cleanups: Array<() => void> = [];
afterEach(() => {
  cleanups.forEach((cleanup) => cleanup());
  cleanups = [];
});

async function setup(initArgs: string[] = []): Promise<{ repo: string; repository: Repository; worktreeDir: string }> {
  const { dir, cleanup } = makeTempDir();
  cleanups.push(cleanup);
  const root = realpathSync(dir);
  if (initArgs.length > 0) mkdirSync(path.join(root, 'store'));
  const repo = makeRepository(path.join(root, 'my repo'), ...initArgs.map((arg) => arg.replace('{root}', root)));
  const repository = await findRepository(git, repo);
  if (!repository) throw new Error('no repository');
  return { repo, repository, worktreeDir: path.join(root, 'data dir', 'worktrees') };
}

function commitIn(worktree: AgentWorktree, file: string): void {
  writeFileSync(path.join(worktree.path, file), `${file}\n`);
  gitSync(worktree.path, 'add', file);
  gitSync(worktree.path, 'commit', '-q', '-m', `add ${file}`);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('createAgentWorktree', () => {
  it('creates a locked worktree on agent/<name> from HEAD outside the checkout', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const worktree = await createAgentWorktree(git, { repository, worktreeDir, agent: 'alpha' });
    expect(worktree.branch).toBe('agent/alpha');
    expect(worktree.path.startsWith(path.join(path.dirname(repo), 'data dir', 'worktrees') + path.sep)).toBe(true);
    expect(readFileSync(path.join(worktree.path, '.git'), 'utf8')).toBe(`gitdir: ${worktree.adminDir}\n`);
    expect(worktree.adminDir).toBe(path.join(repo, '.git', 'worktrees', 'alpha'));
    expect(gitSync(worktree.path, 'rev-parse', 'HEAD')).toBe(gitSync(repo, 'rev-parse', 'HEAD'));
    const list = gitSync(repo, 'worktree', 'list', '--porcelain');
    expect(list).toContain(`worktree ${worktree.path}\nHEAD`);
    expect(list).toContain('branch refs/heads/agent/alpha\nlocked agentctl agent alpha');
    // The user's checkout is untouched.
    expect(gitSync(repo, 'status', '--porcelain')).toBe('');
    expect(gitSync(repo, 'branch', '--show-current')).toBe('main');
  });

  it('starts a named branch at --base, and continues an existing branch without --base', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const first = gitSync(repo, 'rev-parse', 'HEAD');
    gitSync(repo, 'commit', '-q', '--allow-empty', '-m', 'second');
    const worktree = await createAgentWorktree(git, { repository, worktreeDir, agent: 'b', branch: 'fix/x', base: first });
    expect(gitSync(worktree.path, 'rev-parse', 'HEAD')).toBe(first);
    commitIn(worktree, 'one.txt');
    await removeAgentWorktree(git, { commonDir: repository.commonDir, path: worktree.path, branch: 'fix/x' }, { agent: 'b', keepBranch: true });
    const again = await createAgentWorktree(git, { repository, worktreeDir, agent: 'b', branch: 'fix/x' });
    expect(again.createdBranch).toBe(false);
    expect(existsSync(path.join(again.path, 'one.txt'))).toBe(true);
  });

  it('refuses a bad branch name, a missing base and an existing branch with --base, leaving nothing behind', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const bad = await caught(createAgentWorktree(git, { repository, worktreeDir, agent: 'c', branch: 'no..dots' }));
    expect(bad).toMatchObject({ code: 'INVALID_BRANCH', kind: 'usage' });
    const missing = await caught(createAgentWorktree(git, { repository, worktreeDir, agent: 'c', base: 'nope' }));
    expect(missing).toMatchObject({ code: 'BASE_NOT_FOUND', kind: 'usage' });
    const exists = await caught(createAgentWorktree(git, { repository, worktreeDir, agent: 'c', branch: 'main', base: 'HEAD' }));
    expect(exists).toMatchObject({ code: 'BRANCH_EXISTS', kind: 'conflict' });
    const checkedOut = await caught(createAgentWorktree(git, { repository, worktreeDir, agent: 'c', branch: 'main' }));
    expect(checkedOut).toMatchObject({ code: 'BRANCH_CHECKED_OUT', kind: 'conflict' });
    expect(gitSync(repo, 'worktree', 'list')).not.toContain('data dir');
    expect(gitSync(repo, 'branch', '--list', 'agent/*')).toBe('');
  });

  it('works for a --separate-git-dir repository and discards cleanly', async () => {
    const { repository, worktreeDir } = await setup(['--separate-git-dir', '{root}/store/r.git']);
    const worktree = await createAgentWorktree(git, { repository, worktreeDir, agent: 'sep' });
    expect(worktree.adminDir).toBe(path.join(repository.commonDir, 'worktrees', 'sep'));
    await discardAgentWorktree(git, worktree);
    expect(existsSync(worktree.path)).toBe(false);
    expect(gitSync(repository.checkout, 'branch', '--list', 'agent/sep')).toBe('');
  });

  it('is kept by `git worktree prune` although its directory is out of sight', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const worktree = await createAgentWorktree(git, { repository, worktreeDir, agent: 'hidden' });
    // What git inside the container sees: the recorded worktree path does not exist there.
    writeFileSync(path.join(worktree.adminDir, 'gitdir'), '/nonexistent/path/.git\n');
    gitSync(repo, 'worktree', 'prune');
    expect(existsSync(worktree.adminDir)).toBe(true);
  });
});

describe('removeAgentWorktree', () => {
  it('refuses to lose uncommitted files or unmerged commits and names them; --force removes', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const worktree = await createAgentWorktree(git, { repository, worktreeDir, agent: 'd' });
    const location = { commonDir: repository.commonDir, path: worktree.path, branch: worktree.branch };
    commitIn(worktree, 'done.txt');
    writeFileSync(path.join(worktree.path, 'draft.txt'), 'wip\n');
    const state = await inspectWorktree(git, location);
    expect(state.uncommitted).toEqual(['?? draft.txt']);
    expect(state.unmergedCommits.map((commit) => commit.subject)).toEqual(['add done.txt']);

    const error = await caught(removeAgentWorktree(git, location, { agent: 'd' }));
    expect(isAgentctlError(error) && error.kind).toBe('unsafe');
    expect(error).toMatchObject({ code: 'WORKTREE_HAS_WORK' });
    expect((error as Error).message).toContain('draft.txt');
    expect((error as Error).message).toContain('add done.txt');
    expect(existsSync(path.join(worktree.path, 'draft.txt'))).toBe(true);

    const result = await removeAgentWorktree(git, location, { agent: 'd', force: true });
    expect(result.deletedBranch).toBe(true);
    expect(existsSync(worktree.path)).toBe(false);
    expect(gitSync(repo, 'branch', '--list', 'agent/d')).toBe('');
    expect(gitSync(repo, 'worktree', 'list')).not.toContain(worktree.path);
  });

  it('with --keep-branch refuses only uncommitted files and keeps the branch and its commits', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const worktree = await createAgentWorktree(git, { repository, worktreeDir, agent: 'e' });
    const location = { commonDir: repository.commonDir, path: worktree.path, branch: worktree.branch };
    commitIn(worktree, 'kept.txt');
    const result = await removeAgentWorktree(git, location, { agent: 'e', keepBranch: true });
    expect(result.deletedBranch).toBe(false);
    expect(existsSync(worktree.path)).toBe(false);
    expect(gitSync(repo, 'log', '--format=%s', '-1', 'agent/e')).toBe('add kept.txt');
  });

  it('removes without --force once the commits are merged, and when the directory was deleted by hand', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const merged = await createAgentWorktree(git, { repository, worktreeDir, agent: 'f' });
    commitIn(merged, 'merged.txt');
    gitSync(repo, 'merge', '-q', '--ff-only', 'agent/f');
    await removeAgentWorktree(git, { commonDir: repository.commonDir, path: merged.path, branch: merged.branch }, { agent: 'f' });
    expect(gitSync(repo, 'branch', '--list', 'agent/f')).toBe('');

    const gone = await createAgentWorktree(git, { repository, worktreeDir, agent: 'g' });
    rmSync(gone.path, { recursive: true });
    await removeAgentWorktree(git, { commonDir: repository.commonDir, path: gone.path, branch: gone.branch }, { agent: 'g' });
    expect(existsSync(gone.adminDir)).toBe(false);
  });
});

describe('several worktrees of one repository at once', () => {
  it('are created and removed concurrently without git lock failures', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const agents = ['p1', 'p2', 'p3', 'p4', 'p5'];
    const worktrees = await Promise.all(agents.map((agent) => createAgentWorktree(git, { repository, worktreeDir, agent })));
    expect(gitSync(repo, 'branch', '--list', 'agent/*').split('\n')).toHaveLength(agents.length);
    await Promise.all(
      worktrees.map((worktree) =>
        removeAgentWorktree(git, { commonDir: repository.commonDir, path: worktree.path, branch: worktree.branch }, { agent: worktree.agent }),
      ),
    );
    expect(gitSync(repo, 'branch', '--list', 'agent/*')).toBe('');
    expect(gitSync(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  });
});

describe('pruneWorktrees', () => {
  it('removes clean orphans, keeps worktrees in use, refuses orphans with work', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const inUse = await createAgentWorktree(git, { repository, worktreeDir, agent: 'live' });
    const orphan = await createAgentWorktree(git, { repository, worktreeDir, agent: 'orphan' });
    const dirty = await createAgentWorktree(git, { repository, worktreeDir, agent: 'dirty' });
    writeFileSync(path.join(dirty.path, 'wip.txt'), 'x\n');
    // A worktree the user made is never agentctl's.
    gitSync(repo, 'worktree', 'add', '-q', '-b', 'mine', path.join(path.dirname(repo), 'mine'));
    const gitFor = async () => git;
    expect((await listManagedWorktrees(gitFor, worktreeDir)).map((found) => found.agent).sort()).toEqual(['dirty', 'live', 'orphan']);
    // Just made: a start may still be creating its container.
    expect(await pruneWorktrees(gitFor, { worktreeDir, inUse: new Set() })).toEqual({ removed: [], refused: [] });

    const later = Date.now() + PRUNE_GRACE_MS;
    const dryRun = await pruneWorktrees(gitFor, { worktreeDir, inUse: new Set([inUse.path]), now: later, dryRun: true });
    expect(dryRun.removed.map((removed) => removed.agent)).toEqual(['orphan']);
    expect(existsSync(orphan.path)).toBe(true);
    const result = await pruneWorktrees(gitFor, { worktreeDir, inUse: new Set([inUse.path]), now: later });
    expect(result.removed.map((removed) => removed.path)).toEqual([orphan.path]);
    expect(result.refused.map((refused) => refused.agent)).toEqual(['dirty']);
    expect(result.refused[0]?.error.message).toContain('wip.txt');
    expect(existsSync(inUse.path) && existsSync(dirty.path) && !existsSync(orphan.path)).toBe(true);
    expect(gitSync(repo, 'branch', '--list', 'mine')).toContain('mine');

    const forced = await pruneWorktrees(gitFor, { worktreeDir, inUse: new Set([inUse.path]), force: true, now: later });
    expect(forced.removed.map((removed) => removed.path)).toEqual([dirty.path]);
  });
});
