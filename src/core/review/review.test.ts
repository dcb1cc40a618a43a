import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GIT_TESTS, gitSync, makeRepository, makeTempDir } from '../../../test/helpers/git-repo.js';
import { isAgentctlError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import type { ContainerDetails } from '../../runtime/container-operations.js';
import { createAgentRepository, type AgentRepository } from '../worktree/agent-repository.js';
import { findRepository } from '../worktree/find-repository.js';
import { createGitRunner } from '../worktree/git.js';
import { applyAgent } from './apply-agent.js';
import type { ReviewDeps } from './agent-work.js';
import { diffAgent } from './diff-agent.js';
import { mergeAgent } from './merge-agent.js';

// Real git on real repositories; only the engine is a fake (the agents' labels).
const gitEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'User',
  GIT_AUTHOR_EMAIL: 'user@example.invalid',
  GIT_COMMITTER_NAME: 'User',
  GIT_COMMITTER_EMAIL: 'user@example.invalid',
};
const git = createGitRunner(gitEnv);
let cleanups: Array<() => void> = [];
afterEach(() => {
  cleanups.forEach((cleanup) => cleanup());
  cleanups = [];
});

interface Setup {
  root: string;
  repo: string;
  worktreeDir: string;
  agents: Map<string, AgentRepository>;
  deps: ReviewDeps;
  start(agent: string, mode?: 'worktree' | 'checkout'): Promise<AgentRepository>;
}

async function setup(): Promise<Setup> {
  const { dir, cleanup } = makeTempDir();
  cleanups.push(cleanup);
  const root = realpathSync(dir);
  const repo = makeRepository(path.join(root, 'my repo'));
  writeFileSync(path.join(repo, 'shared.txt'), 'one\ntwo\nthree\n');
  gitSync(repo, 'add', 'shared.txt');
  gitSync(repo, 'commit', '-q', '-m', 'shared');
  const repository = (await findRepository(git, repo))!;
  const worktreeDir = path.join(root, 'data', 'worktrees');
  const agents = new Map<string, AgentRepository>();
  const details = (name: string): ContainerDetails | undefined => {
    const created = agents.get(name.replace(/^agentctl-/, ''));
    if (!created) return undefined;
    const labels: Record<string, string> = {
      [LABELS.managed]: 'true',
      [LABELS.agent]: created.agent,
      [LABELS.workspace]: created.workTree,
      [LABELS.repository]: created.repository.commonDir,
      [LABELS.gitState]: created.state.dir,
      [LABELS.branch]: created.branch,
      ...(created.base ? { [LABELS.base]: created.base } : {}),
      ...(created.mode === 'worktree' ? { [LABELS.worktree]: created.workTree } : {}),
    };
    return { id: name, name, labels } as unknown as ContainerDetails;
  };
  const deps: ReviewDeps = {
    runtime: {
      capabilities: { bindMounts: true, pullsOnStart: false, cluster: false, rootlessUsers: 'root-is-host-user' },
      inspectContainer: async (name) => details(name),
      listContainers: async () => [],
      // Engine agents' work is read on this machine: nothing runs in the agent.
      createExec: () => Promise.reject(new Error('no exec for an engine agent')),
      startExec: () => Promise.reject(new Error('no exec for an engine agent')),
      inspectExec: () => Promise.reject(new Error('no exec for an engine agent')),
    },
    worktrees: { env: gitEnv, createGit: () => git },
  };
  return {
    root,
    repo,
    worktreeDir,
    agents,
    deps,
    async start(agent, mode = 'worktree') {
      const created = await createAgentRepository(git, { repository, mode, worktreeDir, agent });
      agents.set(agent, created);
      return created;
    },
  };
}

/** git as the agent runs it inside its container: its own repository over its files. */
function agentGit(created: AgentRepository, ...args: string[]): string {
  return gitSync(created.workTree, '--git-dir', created.state.gitDir, '--work-tree', created.workTree, ...args);
}

function write(created: AgentRepository, file: string, content: string): void {
  mkdirSync(path.dirname(path.join(created.workTree, file)), { recursive: true });
  writeFileSync(path.join(created.workTree, file), content);
}

function commit(created: AgentRepository, message: string, ...files: string[]): void {
  agentGit(created, 'add', '--', ...files);
  agentGit(created, 'commit', '-q', '-m', message);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('diffAgent', GIT_TESTS, () => {
  it('shows committed and uncommitted changes against the base, with files, counts and commits', async () => {
    const s = await setup();
    const agent = await s.start('alpha');
    write(agent, 'shared.txt', 'one\nTWO\nthree\n');
    write(agent, 'src/new.ts', 'export const x = 1;\n');
    commit(agent, 'change two', 'shared.txt', 'src/new.ts');
    write(agent, 'draft.md', 'draft\n');
    unlinkSync(path.join(agent.workTree, 'README.md'));
    writeFileSync(path.join(agent.workTree, 'blob.bin'), Buffer.from([0, 1, 2, 3, 0, 255]));

    const diff = await diffAgent(s.deps, 'alpha');
    expect(diff.base).toBe(agent.base);
    expect(diff.commits).toHaveLength(1);
    expect(diff.commits[0]).toMatchObject({ subject: 'change two', author: expect.stringContaining('<') });
    expect(diff.files.map((file) => `${file.status} ${file.path}`).sort()).toEqual([
      'A blob.bin',
      'A draft.md',
      'A src/new.ts',
      'D README.md',
      'M shared.txt',
    ]);
    expect(diff.files.find((file) => file.path === 'shared.txt')).toMatchObject({ additions: 1, deletions: 1 });
    expect(diff.files.find((file) => file.path === 'blob.bin')).toMatchObject({ binary: true, additions: null });
    expect(diff.uncommitted.map((file) => `${file.status} ${file.path}`).sort()).toEqual([
      'A blob.bin',
      'A draft.md',
      'D README.md',
    ]);
    expect(diff.text).toContain('-two\n+TWO');
    expect(diff.text).toContain('+draft');
    const stat = await diffAgent(s.deps, 'alpha', { stat: true });
    expect(stat.text).toMatch(/5 files changed/);
    // Nothing moved in the user's checkout; the agent's branch came back by fetch.
    expect(gitSync(s.repo, 'status', '--porcelain')).toBe('');
    expect(gitSync(s.repo, 'log', '-1', '--format=%s', 'agent/alpha')).toBe('change two');
  });

  it('an agent without changes has an empty diff; an unknown agent is AGENT_NOT_FOUND', async () => {
    const s = await setup();
    await s.start('quiet');
    const diff = await diffAgent(s.deps, 'quiet');
    expect(diff).toMatchObject({ files: [], commits: [], uncommitted: [], text: '' });
    const error = await caught(diffAgent(s.deps, 'nobody'));
    expect(isAgentctlError(error) && error.code).toBe('AGENT_NOT_FOUND');
  });

  it('refuses a stopped agent on a backend without host files (Kubernetes), and an agent without a repository', async () => {
    const s = await setup();
    await s.start('k', 'checkout');
    const kube = {
      ...s.deps,
      runtime: {
        ...s.deps.runtime,
        capabilities: { bindMounts: false, pullsOnStart: true, cluster: true, rootlessUsers: 'none' as const },
      },
    };
    // Its work is read in its Pod (cloned-work.test.ts): a Pod that does not run has nothing to read.
    const error = await caught(diffAgent(kube, 'k'));
    expect(isAgentctlError(error) && [error.code, error.kind]).toEqual(['AGENT_NOT_RUNNING', 'conflict']);
    const bare: ReviewDeps = {
      ...s.deps,
      runtime: {
        ...s.deps.runtime,
        inspectContainer: async (name) =>
          ({ id: name, name, labels: { [LABELS.managed]: 'true', [LABELS.agent]: 'plain' } }) as never,
      },
    };
    const none = await caught(diffAgent(bare, 'plain'));
    expect(isAgentctlError(none) && none.code).toBe('AGENT_NO_REPOSITORY');
  });

  it('hostile files: no hook, config, filter or driver the agent wrote runs; links are shown, never followed', async () => {
    const s = await setup();
    const agent = await s.start('evil');
    const marker = path.join(s.root, 'ran');
    const secret = path.join(s.root, 'secret.txt');
    writeFileSync(secret, 'TOP-SECRET\n');
    const payload = `touch '${marker}'`;
    // In its files (committed before the traps: the test's own git plays the agent here): attributes
    // that select drivers, a nested repository with its own config, links out.
    write(agent, '.gitattributes', '* filter=evil diff=evil merge=evil\n');
    write(agent, 'shared.txt', 'changed by agent\n');
    commit(agent, 'attributes', '.gitattributes', 'shared.txt');
    // In its own repository: hooks and every code-running config key.
    mkdirSync(path.join(agent.state.gitDir, 'hooks'), { recursive: true });
    for (const hook of ['post-checkout', 'post-merge', 'pre-commit', 'reference-transaction', 'post-index-change']) {
      writeFileSync(path.join(agent.state.gitDir, 'hooks', hook), `#!/bin/sh\n${payload}\n`, { mode: 0o755 });
    }
    for (const [key, value] of [
      ['core.fsmonitor', payload],
      ['core.hooksPath', path.join(agent.workTree, 'hooks')],
      ['filter.evil.clean', `${payload}; cat`],
      ['filter.evil.smudge', `${payload}; cat`],
      ['diff.evil.textconv', `${payload}; cat`],
      ['diff.external', payload],
      ['uploadpack.packObjectsHook', payload],
      ['core.alternateRefsCommand', payload],
    ])
      agentGit(agent, 'config', key!, value!);
    mkdirSync(path.join(agent.workTree, 'nested'));
    gitSync(path.join(agent.workTree, 'nested'), 'init', '-q');
    gitSync(path.join(agent.workTree, 'nested'), 'config', 'core.fsmonitor', payload);
    writeFileSync(path.join(agent.workTree, 'nested', 'x'), 'x\n');
    symlinkSync(secret, path.join(agent.workTree, 'link-out'));
    rmSync(path.join(agent.workTree, 'README.md'));
    mkdirSync(path.join(agent.workTree, 'dir'));

    const diff = await diffAgent(s.deps, 'evil');
    expect(existsSync(marker), 'diff ran it').toBe(false);
    expect(diff.skipped).toEqual(['nested']);
    expect(diff.files.find((file) => file.path === 'link-out')).toMatchObject({ status: 'A' });
    expect(diff.text).toContain(`+${secret}`);
    expect(diff.text).not.toContain('TOP-SECRET');
    const merged = await mergeAgent(s.deps, 'evil', { cwd: s.repo, agentDirectories: [s.worktreeDir] });
    expect(merged.method).toBe('fast-forward');
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(path.join(s.repo, 'shared.txt'), 'utf8')).toBe('changed by agent\n');
    expect(gitSync(s.repo, 'config', '--list', '--local')).not.toMatch(/evil|fsmonitor|hookspath/i);
    // The traps are armed: git run in the agent's repository (never by agentctl) springs them.
    agentGit(agent, 'status');
    expect(existsSync(marker)).toBe(true);
  });

  it("the agent's attributes select a filter the user's config defines (git-lfs style): it does not run on the agent's files", async () => {
    const s = await setup();
    const marker = path.join(s.root, 'filter-ran');
    gitSync(s.repo, 'config', 'filter.userlfs.clean', `touch '${marker}'; cat`);
    gitSync(s.repo, 'config', 'filter.userlfs.process', `touch '${marker}'`);
    gitSync(s.repo, 'config', 'filter.userlfs.required', 'true');
    const agent = await s.start('attr');
    write(agent, '.gitattributes', '* filter=userlfs\n');
    write(agent, 'data.bin', 'payload\n');
    const diff = await diffAgent(s.deps, 'attr');
    expect(diff.uncommitted.map((file) => file.path).sort()).toEqual(['.gitattributes', 'data.bin']);
    expect(diff.text).toContain('+payload');
    expect(existsSync(marker)).toBe(false);
  });

  it('a tracked file whose directory the agent replaced by a link to outside is gone, not read through the link', async () => {
    const s = await setup();
    const agent = await s.start('swap');
    write(agent, 'dir/inner.txt', 'inner\n');
    commit(agent, 'inner', 'dir/inner.txt');
    const outside = path.join(s.root, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'inner.txt'), 'OUTSIDE CONTENT\n');
    rmSync(path.join(agent.workTree, 'dir'), { recursive: true });
    symlinkSync(outside, path.join(agent.workTree, 'dir'));
    const diff = await diffAgent(s.deps, 'swap');
    expect(diff.uncommitted.map((file) => `${file.status} ${file.path}`).sort()).toEqual(['A dir', 'D dir/inner.txt']);
    expect(diff.text).not.toContain('OUTSIDE CONTENT');
  });
});

describe('mergeAgent', GIT_TESTS, () => {
  it('fast-forwards, merges, and leaves a real conflict for the user as git leaves it', async () => {
    const s = await setup();
    const [a, b, c] = [await s.start('a'), await s.start('b'), await s.start('c')];
    write(a, 'shared.txt', 'ONE\ntwo\nthree\n');
    commit(a, 'a: one', 'shared.txt');
    write(b, 'b.txt', 'b\n');
    commit(b, 'b: add b', 'b.txt');
    write(b, 'b-draft.txt', 'not committed\n');
    write(c, 'shared.txt', 'uno\ntwo\nthree\n');
    commit(c, 'c: one', 'shared.txt');
    const request = { cwd: s.repo, agentDirectories: [s.worktreeDir] };

    const first = await mergeAgent(s.deps, 'a', request);
    expect(first).toMatchObject({ method: 'fast-forward', into: 'main', commits: [{ subject: 'a: one' }] });
    const second = await mergeAgent(s.deps, 'b', request);
    expect(second.method).toBe('merge');
    expect(second.uncommitted.map((file) => file.path)).toEqual(['b-draft.txt']);
    expect(gitSync(s.repo, 'log', '-1', '--format=%s')).toBe('Merge agent b (agent/b)');
    expect(existsSync(path.join(s.repo, 'b-draft.txt'))).toBe(false);
    expect((await mergeAgent(s.deps, 'b', request)).method).toBe('up-to-date');

    const conflict = await caught(mergeAgent(s.deps, 'c', request));
    expect(isAgentctlError(conflict) && [conflict.code, conflict.kind]).toEqual(['MERGE_CONFLICT', 'conflict']);
    expect(isAgentctlError(conflict) && conflict.details).toMatchObject({ conflicts: ['shared.txt'] });
    expect(readFileSync(path.join(s.repo, 'shared.txt'), 'utf8')).toMatch(/<<<<<<<[\s\S]*ONE[\s\S]*uno/);
    expect(existsSync(path.join(s.repo, '.git', 'MERGE_HEAD'))).toBe(true);
    // Now the checkout is in the middle of a merge: another merge is refused before git runs.
    write(a, 'a2.txt', 'more\n');
    commit(a, 'a: more', 'a2.txt');
    const dirty = await caught(mergeAgent(s.deps, 'a', request));
    expect(isAgentctlError(dirty) && dirty.code).toMatch(/CHECKOUT_DIRTY|MERGE_FAILED/);
  });

  it('refuses a dirty checkout; --rebase replays the agent’s commits on the current branch', async () => {
    const s = await setup();
    const agent = await s.start('r');
    write(agent, 'r1.txt', '1\n');
    commit(agent, 'r: first', 'r1.txt');
    write(agent, 'r2.txt', '2\n');
    commit(agent, 'r: second', 'r2.txt');
    writeFileSync(path.join(s.repo, 'shared.txt'), 'mine\n');
    const request = { cwd: s.repo, agentDirectories: [s.worktreeDir] };
    const error = await caught(mergeAgent(s.deps, 'r', request));
    expect(isAgentctlError(error) && [error.code, error.details]).toEqual([
      'CHECKOUT_DIRTY',
      expect.objectContaining({ files: ['shared.txt'] }),
    ]);
    gitSync(s.repo, 'commit', '-q', '-am', 'user work');
    const rebased = await mergeAgent(s.deps, 'r', { ...request, rebase: true });
    expect(rebased.method).toBe('rebase');
    expect(gitSync(s.repo, 'log', '--format=%s', '-3').split('\n')).toEqual(['r: second', 'r: first', 'user work']);
    expect(gitSync(s.repo, 'rev-list', '--merges', '--count', 'HEAD')).toBe('0');
    expect((await mergeAgent(s.deps, 'r', { ...request, rebase: true })).method).toBe('up-to-date');
  });

  it('refuses to run in an agent’s own worktree or another repository', async () => {
    const s = await setup();
    const agent = await s.start('w');
    const inside = await caught(mergeAgent(s.deps, 'w', { cwd: agent.workTree, agentDirectories: [s.worktreeDir] }));
    expect(isAgentctlError(inside) && inside.code).toBe('CHECKOUT_IS_AGENTS');
    const other = makeRepository(path.join(s.root, 'other'));
    const elsewhere = await caught(mergeAgent(s.deps, 'w', { cwd: other, agentDirectories: [s.worktreeDir] }));
    expect(isAgentctlError(elsewhere) && elsewhere.code).toBe('AGENT_OTHER_REPOSITORY');
  });

  it('an agent working in the checkout itself: merge fast-forwards the branch without touching a file', async () => {
    const s = await setup();
    const agent = await s.start('here', 'checkout');
    write(agent, 'here.txt', 'here\n');
    commit(agent, 'here: add', 'here.txt');
    write(agent, 'later.txt', 'later\n');
    const request = { cwd: s.repo, agentDirectories: [s.worktreeDir] };
    const uncommitted = await caught(mergeAgent(s.deps, 'here', request));
    expect(isAgentctlError(uncommitted) && uncommitted.code).toBe('AGENT_UNCOMMITTED');
    rmSync(path.join(agent.workTree, 'later.txt'));
    expect(gitSync(s.repo, 'status', '--porcelain')).toBe('?? here.txt');
    const merged = await mergeAgent(s.deps, 'here', request);
    expect(merged.method).toBe('fast-forward');
    expect(gitSync(s.repo, 'log', '-1', '--format=%s')).toBe('here: add');
    expect(gitSync(s.repo, 'status', '--porcelain')).toBe('');
    expect(await applyAgent(s.deps, 'here', request)).toMatchObject({ applied: false, reason: 'same-checkout' });
  });
});

describe('applyAgent', GIT_TESTS, () => {
  it('brings committed and uncommitted changes as uncommitted edits; a conflict changes nothing, --3way marks it', async () => {
    const s = await setup();
    const agent = await s.start('p');
    write(agent, 'shared.txt', 'one\ntwo\nTHREE\n');
    commit(agent, 'p: three', 'shared.txt');
    write(agent, 'p.txt', 'new\n');
    rmSync(path.join(agent.workTree, 'README.md'));
    const request = { cwd: s.repo, agentDirectories: [s.worktreeDir] };
    const head = gitSync(s.repo, 'rev-parse', 'HEAD');
    const applied = await applyAgent(s.deps, 'p', request);
    expect(applied.applied).toBe(true);
    expect(applied.files.map((file) => `${file.status} ${file.path}`).sort()).toEqual([
      'A p.txt',
      'D README.md',
      'M shared.txt',
    ]);
    // Unstaged edits and an untracked file (gitSync trims the first line's leading space).
    expect(
      gitSync(s.repo, 'status', '--porcelain')
        .split('\n')
        .map((line) => line.trim())
        .sort(),
    ).toEqual(['?? p.txt', 'D README.md', 'M shared.txt']);
    expect(gitSync(s.repo, 'diff', '--cached', '--name-only')).toBe('');
    expect(gitSync(s.repo, 'rev-parse', 'HEAD')).toBe(head);

    gitSync(s.repo, 'checkout', '-q', '--', '.');
    rmSync(path.join(s.repo, 'p.txt'));
    writeFileSync(path.join(s.repo, 'shared.txt'), 'one\ntwo\nthree, mine\n');
    gitSync(s.repo, 'commit', '-q', '-am', 'mine');
    const refused = await caught(applyAgent(s.deps, 'p', request));
    expect(isAgentctlError(refused) && [refused.code, refused.details]).toEqual([
      'APPLY_CONFLICT',
      expect.objectContaining({ files: ['shared.txt'], left: false }),
    ]);
    expect(gitSync(s.repo, 'status', '--porcelain')).toBe('');
    const marked = await caught(applyAgent(s.deps, 'p', { ...request, threeWay: true }));
    expect(isAgentctlError(marked) && marked.details).toMatchObject({ conflicts: ['shared.txt'], left: true });
    expect(readFileSync(path.join(s.repo, 'shared.txt'), 'utf8')).toContain('<<<<<<<');
  });

  it('after a merge of its commits, apply brings only what the agent did not commit', async () => {
    const s = await setup();
    const agent = await s.start('rest');
    write(agent, 'done.txt', 'done\n');
    commit(agent, 'rest: done', 'done.txt');
    write(agent, 'todo.txt', 'todo\n');
    const request = { cwd: s.repo, agentDirectories: [s.worktreeDir] };
    expect((await mergeAgent(s.deps, 'rest', request)).method).toBe('fast-forward');
    const applied = await applyAgent(s.deps, 'rest', request);
    expect(applied.files).toEqual([{ path: 'todo.txt', status: 'A' }]);
    expect(gitSync(s.repo, 'status', '--porcelain')).toBe('?? todo.txt');
  });
});
