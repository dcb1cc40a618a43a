import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitSync, gitSyncAs, makeRepository } from '../helpers/git-repo.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { readTestEngines } from '../helpers/engines.js';

/**
 * Reviewing agents' work from the host: diff, merge and apply against real agents that committed
 * inside their containers. As in worktree.test.ts, the repository belongs to a regular user (1234
 * when the tests run as root): agents run as that user and agentctl runs git as them.
 */
const f = lifecycleFixture('review');
const image = readTestEngines().debianImage;
const isRoot = process.getuid?.() === 0;
const OWNER = isRoot ? { uid: 1234, gid: 1234 } : { uid: process.getuid!(), gid: process.getgid!() };
let root = '';
let worktreeDir = '';
const env = () => ({ AGENTCTL_WORKTREE_DIR: worktreeDir });

function chownTree(path: string): void {
  if (!isRoot) return;
  chownSync(path, OWNER.uid, OWNER.gid);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry));
}

/** A repository of the owner's with shared.txt, and agentctl's worktree directory beside it. */
function makeProject(name: string): string {
  const repo = makeRepository(join(root, name));
  writeFileSync(join(repo, 'shared.txt'), 'one\ntwo\nthree\n');
  gitSync(repo, 'add', 'shared.txt');
  gitSync(repo, 'commit', '-q', '-m', 'shared');
  // The user's own identity, in the repository (merges and replays commit as the user).
  gitSync(repo, 'config', 'user.name', 'Host User');
  gitSync(repo, 'config', 'user.email', 'host@example.invalid');
  chownTree(repo);
  return repo;
}

async function start(name: string, repo: string) {
  return f.cli(['start', name, '-d', '--json', '--worktree', '--image', image, '--', 'sleep', '600'], {
    cwd: repo,
    env: env(),
  });
}

async function inContainer(name: string, script: string): Promise<string> {
  const result = await f.exec(`agentctl-${name}`, ['sh', '-c', `cd /workspace && ${script}`]);
  expect(result.exitCode, result.output).toBe(0);
  return result.output;
}

/** The user's git, as that user would run it (the test's git has safe.directory '*'). */
// As the repository's owner: git as root would leave root-owned object directories the owner's git cannot add to.
const userGit = (repo: string, ...args: string[]) => gitSyncAs(OWNER, repo, ...args);

describe(`review an agent's work on ${f.engineName}`, () => {
  beforeAll(() => {
    root = f.workspace();
    worktreeDir = join(root, 'agent worktrees');
    mkdirSync(worktreeDir);
    chownTree(root);
  });
  afterAll(() => f.cleanUp());

  it('three agents on one repository: each diffed and merged in turn, one real conflict left for the user', async () => {
    const repo = makeProject('three agents');
    const [a, b, c] = ['a', 'b', 'c'].map((label) => f.agentName(label)) as [string, string, string];
    const started = await Promise.all([a, b, c].map((name) => start(name, repo)));
    for (const result of started) expect(result.exitCode, result.stderr).toBe(0);
    await Promise.all([
      inContainer(a, `sed -i 's/^one$/ONE/' shared.txt && git commit -q -am "a: shout one"`),
      inContainer(
        b,
        'echo b > b.txt && git add b.txt && git commit -q -m "b: add b" && echo draft > b-draft.txt && echo more >> shared.txt',
      ),
      inContainer(c, `sed -i 's/^one$/uno/' shared.txt && git commit -q -am "c: one in Italian"`),
    ]);
    const main = userGit(repo, 'rev-parse', 'main');

    // a: the patch, then a fast-forward.
    const diffA = await f.cli(['diff', a], { cwd: repo, env: env() });
    expect(diffA.exitCode, diffA.stderr).toBe(0);
    expect(diffA.stdout).toContain('-one\n+ONE');
    const jsonA = await f.cli(['diff', a, '--json'], { cwd: repo, env: env() });
    expect(jsonA.json).toMatchObject({
      ok: true,
      agent: a,
      branch: `agent/${a}`,
      base: main,
      files: [{ path: 'shared.txt', status: 'M', additions: 1, deletions: 1, binary: false }],
      commits: [{ subject: 'a: shout one' }],
      uncommitted: [],
    });
    const mergedA = await f.cli(['merge', a, '--json'], { cwd: repo, env: env() });
    expect(mergedA.exitCode, mergedA.stderr).toBe(0);
    expect(mergedA.json).toMatchObject({ ok: true, method: 'fast-forward', into: 'main', commits: [{}] });
    expect(userGit(repo, 'log', '-1', '--format=%s', 'main')).toBe('a: shout one');

    // b: committed and uncommitted work; merge brings the commits and says what it left.
    const statB = await f.cli(['diff', b, '--stat'], { cwd: repo, env: env() });
    expect(statB.exitCode, statB.stderr).toBe(0);
    expect(statB.stdout).toMatch(/b-draft\.txt \| 1 \+/);
    expect(statB.stdout).toMatch(/3 files changed/);
    const jsonB = await f.cli(['diff', b, '--json'], { cwd: repo, env: env() });
    expect(jsonB.json.uncommitted).toEqual([
      { path: 'b-draft.txt', status: 'A' },
      { path: 'shared.txt', status: 'M' },
    ]);
    const mergedB = await f.cli(['merge', b], { cwd: repo, env: env() });
    expect(mergedB.exitCode, mergedB.stderr).toBe(0);
    expect(mergedB.stdout).toContain(`Merged 1 commit(s) of agent ${b} onto main`);
    expect(mergedB.stderr).toContain('2 uncommitted file(s), not merged');
    expect(userGit(repo, 'log', '-1', '--format=%s|%an', 'main')).toBe(`Merge agent ${b} (agent/${b})|Host User`);
    expect(existsSync(join(repo, 'b-draft.txt'))).toBe(false);

    // c: changed the line a changed: the conflict is left as git leaves it, exit 8.
    const mergedC = await f.cli(['merge', c, '--json'], { cwd: repo, env: env() });
    expect(mergedC.exitCode).toBe(8);
    expect(mergedC.json).toMatchObject({
      ok: false,
      error: { code: 'MERGE_CONFLICT', hint: expect.stringContaining('git merge --abort') },
    });
    expect(readFileSync(join(repo, 'shared.txt'), 'utf8')).toMatch(/<<<<<<< [^\n]*\nONE\n=======\nuno\n>>>>>>> /);
    expect(userGit(repo, 'status', '--porcelain')).toBe('UU shared.txt');
    const again = await f.cli(['merge', c], { cwd: repo, env: env() });
    expect(again.exitCode).toBe(8);
    expect(again.stderr).toMatch(/error: .*(uncommitted changes|merge)/i);
    // The user resolves it as with any merge.
    writeFileSync(join(repo, 'shared.txt'), 'ONE / uno\ntwo\nthree\n');
    userGit(repo, 'add', 'shared.txt');
    userGit(repo, 'commit', '-q', '--no-edit');
    expect(userGit(repo, 'log', '--format=%s', '-5', 'main')).toContain('c: one in Italian');
    expect((await f.cli(['merge', c], { cwd: repo, env: env() })).stdout).toContain('already has every commit');
    userGit(repo, 'fsck', '--no-progress');
  });

  it('apply brings committed and uncommitted work as edits; --rebase replays commits on a moved branch', async () => {
    const repo = makeProject('apply and rebase');
    const [p, r] = [f.agentName('apply'), f.agentName('rebase')];
    for (const result of await Promise.all([start(p, repo), start(r, repo)]))
      expect(result.exitCode, result.stderr).toBe(0);
    await inContainer(
      p,
      'echo new > new.txt && git add new.txt && git commit -q -m "p: new" && echo edit >> shared.txt',
    );
    await inContainer(r, 'for i in 1 2; do echo $i > r$i.txt && git add r$i.txt && git commit -q -m "r: $i"; done');
    const head = userGit(repo, 'rev-parse', 'HEAD');

    const applied = await f.cli(['apply', p], { cwd: repo, env: env() });
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.stdout.split('\n').sort()).toEqual(['A new.txt', 'M shared.txt']);
    expect(userGit(repo, 'rev-parse', 'HEAD')).toBe(head);
    expect(readFileSync(join(repo, 'shared.txt'), 'utf8')).toBe('one\ntwo\nthree\nedit\n');
    expect(readFileSync(join(repo, 'new.txt'), 'utf8')).toBe('new\n');
    userGit(repo, 'add', '-A');
    userGit(repo, 'commit', '-q', '-m', 'user: took the work of p');

    const rebased = await f.cli(['merge', r, '--rebase', '--json'], { cwd: repo, env: env() });
    expect(rebased.exitCode, rebased.stdout).toBe(0);
    expect(rebased.json).toMatchObject({ method: 'rebase', commits: [{ subject: 'r: 2' }, { subject: 'r: 1' }] });
    expect(userGit(repo, 'log', '--format=%s', '-3').split('\n')).toEqual(['r: 2', 'r: 1', 'user: took the work of p']);
    expect(userGit(repo, 'status', '--porcelain')).toBe('');
  });

  it('the agent plants hooks, config and filters in its repository: diff, merge and apply on the host run none of it', async () => {
    const repo = makeProject('hostile');
    const name = f.agentName('evil');
    const started = await start(name, repo);
    expect(started.exitCode, started.stderr).toBe(0);
    const markers = join(root, 'markers');
    mkdirSync(markers);
    const payload = `touch '${markers}/ran'; touch /tmp/sprung`;
    const secret = join(root, 'host-secret.txt');
    writeFileSync(secret, 'HOST-SECRET-CONTENT\n');
    // Its work first (the agent's own commit would spring its traps inside the container only).
    await inContainer(
      name,
      `printf '* filter=evil diff=evil merge=evil\\n' > .gitattributes && echo agent >> shared.txt && git add -A && git commit -q -m "evil: work"`,
    );
    const hooks = [
      'post-checkout',
      'post-merge',
      'pre-merge-commit',
      'pre-commit',
      'prepare-commit-msg',
      'commit-msg',
      'post-commit',
      'post-rewrite',
      'reference-transaction',
      'post-index-change',
      'pre-upload',
      'fsmonitor-watchman',
    ];
    const config: Array<[string, string]> = [
      ['core.fsmonitor', payload],
      ['core.hooksPath', '/workspace/.agent-hooks'],
      ['filter.evil.clean', `${payload}; cat`],
      ['filter.evil.smudge', `${payload}; cat`],
      ['filter.evil.process', payload],
      ['diff.evil.textconv', `${payload}; cat`],
      ['diff.external', payload],
      ['merge.evil.driver', payload],
      ['core.pager', `${payload}; cat`],
      ['uploadpack.packObjectsHook', payload],
      ['core.alternateRefsCommand', payload],
      ['alias.merge', `!${payload}`],
    ];
    await inContainer(
      name,
      [
        `mkdir -p .git/hooks .agent-hooks`,
        ...hooks.map(
          (hook) =>
            `printf '#!/bin/sh\\n${payload.replaceAll("'", "'\\''")}\\n' > .git/hooks/${hook} && chmod +x .git/hooks/${hook} && cp .git/hooks/${hook} .agent-hooks/`,
        ),
        ...config.map(([key, value]) => `git config ${key} '${value.replaceAll("'", "'\\''")}'`),
        `mkdir -p .git/info && echo '* diff=evil filter=evil merge=evil' > .git/info/attributes`,
        // A nested repository with code-running config, a link to a file of the host, uncommitted work.
        `mkdir nested && git -C nested init -q && git -C nested config core.fsmonitor '${payload.replaceAll("'", "'\\''")}' && echo x > nested/x`,
        `ln -s '${secret}' link-to-host-file && echo uncommitted > draft.txt`,
      ].join(' && '),
    );
    // Armed: the agent's own git, inside the container, runs what it planted.
    await inContainer(name, 'rm -f /tmp/sprung; git status --short >/dev/null; test -e /tmp/sprung');

    const diff = await f.cli(['diff', name], { cwd: repo, env: env() });
    expect(diff.exitCode, diff.stderr).toBe(0);
    expect(diff.stdout).toContain(`+${secret}`);
    expect(diff.stdout).not.toContain('HOST-SECRET-CONTENT');
    expect(diff.stderr).toContain('left out nested');
    for (const args of [['--stat'], ['--json']])
      expect((await f.cli(['diff', name, ...args], { cwd: repo, env: env() })).exitCode).toBe(0);
    const applied = await f.cli(['apply', name], { cwd: repo, env: env() });
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('A draft.txt');
    userGit(repo, 'reset', '-q', '--hard');
    userGit(repo, 'clean', '-q', '-fd');
    const merged = await f.cli(['merge', name, '--no-ff'], { cwd: repo, env: env() });
    expect(merged.exitCode, merged.stderr).toBe(0);
    expect(userGit(repo, 'log', '-1', '--format=%s')).toBe(`Merge agent ${name} (agent/${name})`);
    expect(existsSync(join(markers, 'ran')), 'something the agent planted ran on the host').toBe(false);
    expect(readdirSync(markers)).toEqual([]);
    expect(readFileSync(join(repo, '.git', 'config'), 'utf8')).not.toMatch(/evil|fsmonitor|hooksPath|alias/);
  });

  it('refuses a dirty checkout, an agent’s own worktree as the target, and an unknown agent', async () => {
    const repo = makeProject('refusals');
    const name = f.agentName('refuse');
    const started = await start(name, repo);
    expect(started.exitCode, started.stderr).toBe(0);
    await inContainer(name, 'echo x > x.txt && git add x.txt && git commit -q -m "x"');
    writeFileSync(join(repo, 'shared.txt'), 'my own edit\n');
    const dirty = await f.cli(['merge', name, '--json'], { cwd: repo, env: env() });
    expect(dirty.exitCode).toBe(8);
    expect(dirty.json.error).toMatchObject({ code: 'CHECKOUT_DIRTY', hint: expect.stringContaining('git stash') });
    const inside = await f.cli(['merge', name], { cwd: started.json.agent.worktree, env: env() });
    expect(inside.exitCode).toBe(2);
    expect(inside.stderr).toContain('runs only in your own checkout');
    const unknown = await f.cli(['diff', f.agentName('nobody')], { cwd: repo, env: env() });
    expect(unknown.exitCode).toBe(7);
  });
});
