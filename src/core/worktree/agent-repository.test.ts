import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GIT_TESTS, gitSync, makeRepository, makeTempDir } from '../../../test/helpers/git-repo.js';
import { isAgentctlError } from '../../shared/errors.js';
import {
  createAgentRepository,
  discardAgentRepository,
  getAgentRepositoryMounts,
  withoutPassword,
  type AgentRepository,
} from './agent-repository.js';
import { findRepository, type Repository } from './find-repository.js';
import { createGitRunner, GitCommandError, type GitRunner } from './git.js';
import { inspectWorktree, type WorktreeLocation } from './inspect-worktree.js';
import { listManagedWorktrees, PRUNE_GRACE_MS, pruneWorktrees } from './prune-worktrees.js';
import { removeAgentWorktree, unsafeRemovalError } from './remove-worktree.js';

const git = createGitRunner({ ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' });
let cleanups: Array<() => void> = [];
afterEach(() => {
  cleanups.forEach((cleanup) => cleanup());
  cleanups = [];
});

async function setup(
  initArgs: string[] = [],
): Promise<{ root: string; repo: string; repository: Repository; worktreeDir: string }> {
  const { dir, cleanup } = makeTempDir();
  cleanups.push(cleanup);
  const root = realpathSync(dir);
  if (initArgs.length > 0) mkdirSync(path.join(root, 'store'));
  const repo = makeRepository(path.join(root, 'my repo'), ...initArgs.map((arg) => arg.replace('{root}', root)));
  const repository = await findRepository(git, repo);
  if (!repository) throw new Error('no repository');
  return { root, repo, repository, worktreeDir: path.join(root, 'data dir', 'worktrees') };
}

/** git as the agent runs it inside its container: its own repository over its files. */
function agentGit(created: AgentRepository, ...args: string[]): string {
  return gitSync(created.workTree, '--git-dir', created.state.gitDir, '--work-tree', created.workTree, ...args);
}

function commitIn(created: AgentRepository, file: string): void {
  writeFileSync(path.join(created.workTree, file), `${file}\n`);
  agentGit(created, 'add', file);
  agentGit(created, 'commit', '-q', '-m', `add ${file}`);
}

function locationOf(created: AgentRepository): WorktreeLocation {
  return {
    agent: created.agent,
    commonDir: created.repository.commonDir,
    branch: created.branch,
    stateDir: created.state.dir,
    ...(created.mode === 'worktree' ? { path: created.workTree } : {}),
  };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('createAgentRepository', GIT_TESTS, () => {
  it('worktree mode: files of their own on agent/<name> from HEAD, a repository of their own, the user checkout untouched', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const created = await createAgentRepository(git, {
      repository,
      mode: 'worktree',
      worktreeDir,
      agent: 'alpha',
      engine: 'unix:///e.sock',
    });
    expect(created.branch).toBe('agent/alpha');
    expect(created.workTree).toBe(path.join(worktreeDir, repository.key, 'alpha'));
    expect(readFileSync(path.join(created.workTree, 'README.md'), 'utf8')).toBe('# test\n');
    // The host sees no repository in the agent's files: `.git` there is an empty mount point.
    expect(existsSync(path.join(created.workTree, '.git', 'HEAD'))).toBe(false);
    expect(agentGit(created, 'rev-parse', 'HEAD')).toBe(gitSync(repo, 'rev-parse', 'HEAD'));
    expect(agentGit(created, 'status', '--porcelain')).toBe('');
    expect(readFileSync(path.join(created.state.gitDir, 'objects', 'info', 'alternates'), 'utf8')).toBe(
      `${path.join(repository.commonDir, 'objects')}\n`,
    );
    expect(gitSync(repo, 'rev-parse', 'agent/alpha')).toBe(gitSync(repo, 'rev-parse', 'HEAD'));
    expect(JSON.parse(readFileSync(created.state.record, 'utf8'))).toMatchObject({
      agent: 'alpha',
      mode: 'worktree',
      branch: 'agent/alpha',
      engine: 'unix:///e.sock',
    });
    expect(gitSync(repo, 'status', '--porcelain')).toBe('');
    expect(gitSync(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(await getAgentRepositoryMounts(created, '/workspace')).toEqual([
      { source: created.state.gitDir, target: '/workspace/.git', readOnly: false },
      {
        source: path.join(repository.commonDir, 'objects'),
        target: path.join(repository.commonDir, 'objects'),
        readOnly: true,
      },
    ]);
  });

  it("checkout mode: the user checkout with a repository of the agent's own over .git, keeping staged work", async () => {
    const { repo, repository, worktreeDir } = await setup();
    writeFileSync(path.join(repo, 'staged.txt'), 'staged\n');
    gitSync(repo, 'add', 'staged.txt');
    const created = await createAgentRepository(git, { repository, mode: 'checkout', worktreeDir, agent: 'beta' });
    expect(created.workTree).toBe(repo);
    expect(agentGit(created, 'status', '--porcelain')).toBe('A  staged.txt');
    commitIn(created, 'agent.txt');
    // The user's repository did not move: the agent committed into its own.
    expect(gitSync(repo, 'log', '--format=%s', '-1')).toBe('initial commit');
    expect(gitSync(repo, 'rev-parse', 'agent/beta')).toBe(gitSync(repo, 'rev-parse', 'main'));
  });

  it('takes the remotes over without a password in the URL', async () => {
    const { repo, repository, worktreeDir } = await setup();
    gitSync(repo, 'remote', 'add', 'origin', 'https://bot:s3cret@example.invalid/x.git');
    const created = await createAgentRepository(git, { repository, mode: 'worktree', worktreeDir, agent: 'r' });
    expect(agentGit(created, 'remote', 'get-url', 'origin')).toBe('https://bot@example.invalid/x.git');
    expect(readFileSync(path.join(created.state.gitDir, 'config'), 'utf8')).not.toContain('s3cret');
    expect(withoutPassword('git@example.invalid:x.git')).toBe('git@example.invalid:x.git');
  });

  it('starts a named branch at --base, and continues an existing branch without --base', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const first = gitSync(repo, 'rev-parse', 'HEAD');
    gitSync(repo, 'commit', '-q', '--allow-empty', '-m', 'second');
    const created = await createAgentRepository(git, {
      repository,
      mode: 'worktree',
      worktreeDir,
      agent: 'b',
      branch: 'fix/x',
      base: first,
    });
    expect(agentGit(created, 'rev-parse', 'HEAD')).toBe(first);
    commitIn(created, 'one.txt');
    await removeAgentWorktree(git, locationOf(created), { keepBranch: true });
    expect(gitSync(repo, 'log', '--format=%s', '-1', 'fix/x')).toBe('add one.txt');
    const again = await createAgentRepository(git, {
      repository,
      mode: 'worktree',
      worktreeDir,
      agent: 'b',
      branch: 'fix/x',
    });
    expect(again.createdBranch).toBe(false);
    expect(existsSync(path.join(again.workTree, 'one.txt'))).toBe(true);
  });

  it('refuses a bad branch name, a missing base, an existing branch with --base and a checked-out one, leaving nothing behind', async () => {
    const { repo, repository, worktreeDir } = await setup();
    expect(
      await caught(
        createAgentRepository(git, { repository, mode: 'worktree', worktreeDir, agent: 'c', branch: 'no..dots' }),
      ),
    ).toMatchObject({ code: 'INVALID_BRANCH', kind: 'usage' });
    expect(
      await caught(createAgentRepository(git, { repository, mode: 'worktree', worktreeDir, agent: 'c', base: 'nope' })),
    ).toMatchObject({ code: 'BASE_NOT_FOUND', kind: 'usage' });
    gitSync(repo, 'branch', 'other');
    expect(
      await caught(
        createAgentRepository(git, {
          repository,
          mode: 'worktree',
          worktreeDir,
          agent: 'c',
          branch: 'other',
          base: 'HEAD',
        }),
      ),
    ).toMatchObject({ code: 'BRANCH_EXISTS', kind: 'conflict' });
    expect(
      await caught(
        createAgentRepository(git, { repository, mode: 'worktree', worktreeDir, agent: 'c', branch: 'main' }),
      ),
    ).toMatchObject({ code: 'BRANCH_CHECKED_OUT', kind: 'conflict' });
    expect(existsSync(path.join(worktreeDir, repository.key, 'c'))).toBe(false);
    expect(existsSync(path.join(worktreeDir, repository.key, '.agents', 'c'))).toBe(false);
    expect(gitSync(repo, 'for-each-ref', 'refs/agentctl', 'refs/heads/agent')).toBe('');
  });

  it("makes the agent's branch and its mirror ref together: a ref git cannot write leaves no branch behind (the branch stayed, unknown to the discard)", async () => {
    const { repo, repository, worktreeDir } = await setup();
    // A lock a crashed git left on the mirror ref: git refuses to write that ref.
    const refDir = path.join(repository.commonDir, 'refs', 'agentctl', 'locked');
    mkdirSync(refDir, { recursive: true });
    writeFileSync(path.join(refDir, 'mirror.lock'), '');
    const error = await caught(
      createAgentRepository(git, { repository, mode: 'worktree', worktreeDir, agent: 'locked' }),
    );
    expect(error).toMatchObject({ code: 'GIT_FAILED' });
    expect(String((error as Error).message)).toContain('mirror.lock');
    expect(gitSync(repo, 'for-each-ref', 'refs/heads/agent')).toBe('');
    expect(existsSync(path.join(worktreeDir, repository.key, 'locked'))).toBe(false);
    expect(existsSync(path.join(worktreeDir, repository.key, '.agents', 'locked'))).toBe(false);
  });

  it('works for a --separate-git-dir repository and discards cleanly', async () => {
    const { repository, worktreeDir } = await setup(['--separate-git-dir', '{root}/store/r.git']);
    const created = await createAgentRepository(git, { repository, mode: 'checkout', worktreeDir, agent: 'sep' });
    // The checkout's `.git` is a file: the agent gets a `.git` file naming where its repository is mounted.
    expect(readFileSync(created.state.gitFile, 'utf8')).toBe('gitdir: /run/agentctl/git\n');
    expect((await getAgentRepositoryMounts(created, '/workspace')).slice(0, 2)).toEqual([
      { source: created.state.gitFile, target: '/workspace/.git', readOnly: true },
      { source: created.state.gitDir, target: '/run/agentctl/git', readOnly: false },
    ]);
    await discardAgentRepository(git, created);
    expect(existsSync(created.state.dir)).toBe(false);
    expect(gitSync(repository.checkout, 'for-each-ref', 'refs/agentctl', 'refs/heads/agent')).toBe('');
  });
});

describe('syncing and inspecting an agent repository never runs what the agent planted', GIT_TESTS, () => {
  it('fsmonitor, hooks, aliases and includes in the agent repository stay inert on the host', async () => {
    const { root, repo, repository, worktreeDir } = await setup();
    const created = await createAgentRepository(git, { repository, mode: 'worktree', worktreeDir, agent: 'evil' });
    commitIn(created, 'work.txt');
    writeFileSync(path.join(created.workTree, 'draft.txt'), 'wip\n');
    const marker = path.join(root, 'PWNED');
    const payload = `touch '${marker}'`;
    writeFileSync(path.join(root, 'evil.inc'), `[core]\n\tfsmonitor = ${payload}\n`);
    const config = path.join(created.state.gitDir, 'config');
    writeFileSync(
      config,
      `${readFileSync(config, 'utf8')}[core]\n\tfsmonitor = ${payload}\n\thooksPath = hooks\n\tpager = ${payload}\n[include]\n\tpath = ${path.join(root, 'evil.inc')}\n[uploadpack]\n\tpackObjectsHook = ${payload}\n[alias]\n\tstatus = !${payload}\n`,
    );
    mkdirSync(path.join(created.state.gitDir, 'hooks'), { recursive: true });
    for (const hook of ['post-checkout', 'reference-transaction', 'pre-upload', 'post-update']) {
      writeFileSync(path.join(created.state.gitDir, 'hooks', hook), `#!/bin/sh\n${payload}\n`, { mode: 0o755 });
    }
    const state = await inspectWorktree(git, locationOf(created));
    expect(existsSync(marker)).toBe(false);
    expect(state.mirror).toBe('updated');
    expect(state.uncommitted).toEqual(['?? draft.txt']);
    expect(state.unmergedCommits.map((commit) => commit.subject)).toEqual(['add work.txt']);
    expect(gitSync(repo, 'log', '--format=%s', '-1', 'agent/evil')).toBe('add work.txt');
    expect(readFileSync(path.join(repo, '.git', 'config'), 'utf8')).not.toContain('PWNED');
  });

  it('never moves a branch the user moved, and counts commits on a detached HEAD or another branch of the agent', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const created = await createAgentRepository(git, { repository, mode: 'worktree', worktreeDir, agent: 'd' });
    commitIn(created, 'one.txt');
    expect((await inspectWorktree(git, locationOf(created))).mirror).toBe('updated');
    // The user commits on the agent's branch; the agent commits on: the user's commit stays.
    gitSync(repo, 'branch', '-f', 'agent/d', 'main');
    commitIn(created, 'two.txt');
    const diverged = await inspectWorktree(git, locationOf(created));
    expect(diverged.mirror).toBe('diverged');
    expect(gitSync(repo, 'rev-parse', 'agent/d')).toBe(gitSync(repo, 'rev-parse', 'main'));
    expect(diverged.unmergedCommits.map((commit) => commit.subject)).toEqual(['add two.txt', 'add one.txt']);
    agentGit(created, 'checkout', '-q', '--detach');
    commitIn(created, 'detached.txt');
    const detached = await inspectWorktree(git, locationOf(created));
    expect(detached.strandedCommits.map((commit) => commit.subject)).toContain('add detached.txt');
    // rm's refusal says where they are (the user moved agent/d back: none is on it any more), and
    // not "merge agent/d", which would keep none of them.
    const refusal = unsafeRemovalError(locationOf(created), detached, false);
    expect(refusal.message).not.toContain('only on agent/d');
    expect(refusal.message).toMatch(/commits on no branch of yours: [0-9a-f]{7} add detached\.txt/);
    expect(refusal.hint).toMatch(/git branch keep-d [0-9a-f]{12}/);
  });
});

describe('removeAgentWorktree', GIT_TESTS, () => {
  it('refuses to lose uncommitted files or unmerged commits and names them; --force removes and names the dropped commits', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const created = await createAgentRepository(git, { repository, mode: 'worktree', worktreeDir, agent: 'd' });
    commitIn(created, 'done.txt');
    writeFileSync(path.join(created.workTree, 'draft.txt'), 'wip\n');
    const error = await caught(removeAgentWorktree(git, locationOf(created)));
    expect(isAgentctlError(error) && error.kind).toBe('unsafe');
    expect(error).toMatchObject({ code: 'WORKTREE_HAS_WORK' });
    expect((error as Error).message).toContain('draft.txt');
    expect((error as Error).message).toContain('add done.txt');
    expect(existsSync(path.join(created.workTree, 'draft.txt'))).toBe(true);

    const result = await removeAgentWorktree(git, locationOf(created), { force: true });
    expect(result.deletedBranch).toBe(true);
    expect(result.dropped.map((commit) => commit.subject)).toEqual(['add done.txt']);
    expect(existsSync(created.workTree) || existsSync(created.state.dir)).toBe(false);
    expect(gitSync(repo, 'for-each-ref', 'refs/agentctl', 'refs/heads/agent')).toBe('');
    // Until gc, a dropped commit is still there to rescue.
    expect(gitSync(repo, 'cat-file', '-t', result.dropped[0]!.sha)).toBe('commit');
  });

  it('with --keep-branch keeps the branch and its commits; a clean agent goes with its branch', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const kept = await createAgentRepository(git, { repository, mode: 'checkout', worktreeDir, agent: 'e' });
    commitIn(kept, 'kept.txt');
    const result = await removeAgentWorktree(git, locationOf(kept), { keepBranch: true });
    expect(result.deletedBranch).toBe(false);
    expect(gitSync(repo, 'log', '--format=%s', '-1', 'agent/e')).toBe('add kept.txt');
    const clean = await createAgentRepository(git, { repository, mode: 'worktree', worktreeDir, agent: 'f' });
    expect((await removeAgentWorktree(git, locationOf(clean))).deletedBranch).toBe(true);
    expect(gitSync(repo, 'branch', '--list', 'agent/f')).toBe('');
  });

  it('removes without --force once the commits are merged, and when the agent repository was deleted by hand', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const merged = await createAgentRepository(git, { repository, mode: 'worktree', worktreeDir, agent: 'm' });
    commitIn(merged, 'merged.txt');
    await inspectWorktree(git, locationOf(merged));
    gitSync(repo, 'merge', '-q', '--ff-only', 'agent/m');
    await removeAgentWorktree(git, locationOf(merged));
    expect(gitSync(repo, 'branch', '--list', 'agent/m')).toBe('');

    const gone = await createAgentRepository(git, { repository, mode: 'worktree', worktreeDir, agent: 'g' });
    rmSync(gone.state.gitDir, { recursive: true });
    await removeAgentWorktree(git, locationOf(gone));
    expect(existsSync(gone.state.dir) || existsSync(gone.workTree)).toBe(false);
  });

  it('says so when the user already deleted the branch (rm reported "kept branch" for a branch that was gone)', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const created = await createAgentRepository(git, { repository, mode: 'worktree', worktreeDir, agent: 'gone' });
    agentGit(created, 'checkout', '-q', '--detach');
    agentGit(created, 'branch', '-q', '-D', 'agent/gone');
    gitSync(repo, 'branch', '-q', '-D', 'agent/gone');
    const result = await removeAgentWorktree(git, locationOf(created));
    expect(result).toMatchObject({ deletedBranch: false, branchExisted: false });
  });

  it('several agents of one repository are created and removed concurrently', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const agents = ['p1', 'p2', 'p3', 'p4', 'p5'];
    const created = await Promise.all(
      agents.map((agent, index) =>
        createAgentRepository(git, { repository, mode: index === 0 ? 'checkout' : 'worktree', worktreeDir, agent }),
      ),
    );
    expect(gitSync(repo, 'branch', '--list', 'agent/*').split('\n')).toHaveLength(agents.length);
    await Promise.all(created.map((item) => removeAgentWorktree(git, locationOf(item))));
    expect(gitSync(repo, 'branch', '--list', 'agent/*')).toBe('');
    expect(gitSync(repo, 'for-each-ref', 'refs/agentctl')).toBe('');
  });
});

describe('pruneWorktrees', GIT_TESTS, () => {
  it('removes clean orphans, keeps agents in use and those of another engine, refuses orphans with work', async () => {
    const { repository, worktreeDir } = await setup();
    const engine = 'unix:///docker.sock';
    const inUse = await createAgentRepository(git, {
      repository,
      mode: 'worktree',
      worktreeDir,
      agent: 'live',
      engine,
    });
    const orphan = await createAgentRepository(git, {
      repository,
      mode: 'worktree',
      worktreeDir,
      agent: 'orphan',
      engine,
    });
    const dirty = await createAgentRepository(git, {
      repository,
      mode: 'worktree',
      worktreeDir,
      agent: 'dirty',
      engine,
    });
    const elsewhere = await createAgentRepository(git, {
      repository,
      mode: 'checkout',
      worktreeDir,
      agent: 'other',
      engine: 'unix:///podman.sock',
    });
    writeFileSync(path.join(dirty.workTree, 'wip.txt'), 'x\n');
    const gitFor = async () => git;
    expect((await listManagedWorktrees(worktreeDir)).map((found) => found.agent).sort()).toEqual([
      'dirty',
      'live',
      'orphan',
      'other',
    ]);
    // Just made: a start may still be creating its container.
    expect(await pruneWorktrees(gitFor, { worktreeDir, inUse: new Set(), engine })).toEqual({
      removed: [],
      refused: [],
    });

    // A second past the grace: a file's mtime has sub-millisecond precision, Date.now() not, so a
    // state made in this very millisecond would otherwise still be a hair inside it.
    const later = Date.now() + PRUNE_GRACE_MS + 1000;
    const options = { worktreeDir, inUse: new Set([inUse.state.dir]), now: later, engine };
    const dryRun = await pruneWorktrees(gitFor, { ...options, dryRun: true });
    expect(dryRun.removed.map((removed) => removed.agent)).toEqual(['orphan']);
    expect(existsSync(orphan.workTree)).toBe(true);
    const result = await pruneWorktrees(gitFor, options);
    expect(result.removed.map((removed) => removed.path)).toEqual([orphan.workTree]);
    expect(result.refused.map((refused) => refused.agent)).toEqual(['dirty']);
    expect(result.refused[0]?.error.message).toContain('wip.txt');
    expect(
      existsSync(inUse.workTree) &&
        existsSync(dirty.workTree) &&
        existsSync(elsewhere.state.dir) &&
        !existsSync(orphan.workTree),
    ).toBe(true);

    const forced = await pruneWorktrees(gitFor, { ...options, force: true });
    expect(forced.removed.map((removed) => removed.path)).toEqual([dirty.workTree]);
    expect(existsSync(elsewhere.state.dir)).toBe(true);
  });
});

describe('pruneWorktrees with a repository git cannot read', GIT_TESTS, () => {
  it("keeps that orphan with git's own reason and still prunes the others (it failed the whole prune with the last line of git's advice)", async () => {
    const { repository, worktreeDir } = await setup();
    const engine = 'unix:///docker.sock';
    const clean = await createAgentRepository(git, {
      repository,
      mode: 'worktree',
      worktreeDir,
      agent: 'clean',
      engine,
    });
    const unreadable = await createAgentRepository(git, {
      repository,
      mode: 'worktree',
      worktreeDir,
      agent: 'unreadable',
      engine,
    });
    // git fails on the second orphan's repository as it does on one owned by another user.
    const refusing: GitRunner = async (args, options) => {
      if (options.cwd.includes('unreadable') || args.some((arg) => arg.includes('unreadable')))
        throw new GitCommandError(
          args,
          128,
          "fatal: detected dubious ownership in repository at '/r'\nTo add an exception for this directory, call:\n\n\tgit config --global --add safe.directory /r\n",
        );
      return git(args, options);
    };
    // A second past the grace (the states' mtimes have sub-millisecond precision, Date.now() not).
    const options = { worktreeDir, inUse: new Set<string>(), now: Date.now() + PRUNE_GRACE_MS + 1000, engine };
    const result = await pruneWorktrees(async () => refusing, { ...options, dryRun: true });
    expect(result.removed.map((removed) => removed.agent)).toEqual(['clean']);
    expect(result.refused.map((refused) => refused.agent)).toEqual(['unreadable']);
    expect(result.refused[0]?.error.message).toBe(
      "Inspecting the git work of agent unreadable failed: fatal: detected dubious ownership in repository at '/r'",
    );
    expect(existsSync(clean.workTree) && existsSync(unreadable.workTree)).toBe(true);
  });
});

describe('syncing from several agentctl processes at once', GIT_TESTS, () => {
  it('ten concurrent inspections agree and leave one consistent branch', async () => {
    const { repo, repository, worktreeDir } = await setup();
    const created = await createAgentRepository(git, { repository, mode: 'worktree', worktreeDir, agent: 'busy' });
    commitIn(created, 'one.txt');
    writeFileSync(path.join(created.workTree, 'draft.txt'), 'draft\n');
    const states = await Promise.all(Array.from({ length: 10 }, () => inspectWorktree(git, locationOf(created))));
    for (const state of states) {
      expect(state.unmergedCommits.map((commit) => commit.subject)).toEqual(['add one.txt']);
      // Each inspection reads the files with an index of its own: none sees another's half-made one.
      expect(state.uncommitted).toEqual(['?? draft.txt']);
    }
    expect(gitSync(repo, 'log', '-1', '--format=%s', 'agent/busy')).toBe('add one.txt');
    expect(gitSync(repo, 'rev-parse', 'refs/agentctl/busy/mirror')).toBe(gitSync(repo, 'rev-parse', 'agent/busy'));
  });
});
