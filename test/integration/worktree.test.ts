import { chownSync, existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitSync, makeRepository } from '../helpers/git-repo.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { readTestEngines } from '../helpers/engines.js';

const f = lifecycleFixture('wt');
const image = readTestEngines().debianImage;
// The tests run as root; agentctl never runs an agent as root, but as the workspace's owner, and runs
// git as the repository's owner. A repository owned by 1234 (unknown to the image) shows both.
const isRoot = process.getuid?.() === 0;
const OWNER = isRoot ? { uid: 1234, gid: 1234 } : { uid: process.getuid!(), gid: process.getgid!() };
const names = ['one', 'two', 'three'].map((label) => f.agentName(label));
let root = '';
let repo = '';
let worktreeDir = '';
let mainHead = '';
const env = () => ({ AGENTCTL_WORKTREE_DIR: worktreeDir });

function chownTree(path: string): void {
  if (!isRoot) return;
  chownSync(path, OWNER.uid, OWNER.gid);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry));
}

async function start(name: string, args: string[] = [], cwd = repo) {
  return f.cli(['start', name, '-d', '--json', '--image', image, ...args, '--', 'sleep', '600'], { cwd, env: env() });
}

async function inContainer(name: string, script: string): Promise<string> {
  const result = await f.exec(`agentctl-${name}`, ['sh', '-c', script]);
  expect(result.exitCode, result.output).toBe(0);
  return result.output;
}

describe(`git worktrees on ${f.engineName}`, () => {
  beforeAll(() => {
    root = f.workspace();
    repo = makeRepository(join(root, 'my repo'));
    worktreeDir = join(root, 'agent worktrees');
    chownTree(root);
    mainHead = gitSync(repo, 'rev-parse', 'HEAD');
  });
  afterAll(() => f.cleanUp());

  it('three agents started at once each commit in their own worktree; the checkout stays untouched', async () => {
    const results = await Promise.all(names.map((name) => start(name, ['--worktree'])));
    for (const [index, result] of results.entries()) {
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.json.agent).toMatchObject({ name: names[index], branch: `agent/${names[index]}` });
    }
    await Promise.all(
      names.map((name) =>
        inContainer(
          name,
          `cd /workspace && git status --short && echo ${name} > ${name}.txt && git add ${name}.txt && git --no-pager diff --cached --stat && git commit -q -m "work of ${name}" && git --no-pager log --oneline -1`,
        ),
      ),
    );
    // The agents committed into their own repositories; agentctl brings the branches back by fetching.
    for (const name of names) expect(gitSync(repo, 'rev-parse', `agent/${name}`)).toBe(mainHead);
    expect((await f.cli(['ls'], { env: env() })).exitCode).toBe(0);
    for (const [index, name] of names.entries()) {
      const branch = `agent/${name}`;
      expect(gitSync(repo, 'rev-list', '--count', `main..${branch}`)).toBe('1');
      expect(gitSync(repo, 'log', '-1', '--format=%an|%cn|%s', branch)).toBe(
        `agentctl agent ${name}|agentctl agent ${name}|work of ${name}`,
      );
      expect(gitSync(repo, 'diff-tree', '--no-commit-id', '--name-only', '-r', branch)).toBe(`${name}.txt`);
      const worktree = results[index]!.json.agent.worktree as string;
      // Files the agent wrote belong to the host user (the repository's owner).
      expect(statSync(join(worktree, `${name}.txt`))).toMatchObject({ uid: OWNER.uid, gid: OWNER.gid });
    }
    expect(gitSync(repo, 'status', '--porcelain')).toBe('');
    expect(gitSync(repo, 'rev-parse', 'HEAD')).toBe(mainHead);
    expect(gitSync(repo, 'branch', '--show-current')).toBe('main');
    expect(readdirSync(repo).sort()).toEqual(['.git', 'README.md']);
    // No worktree of the user's repository: each agent's files and repository are its own.
    expect(gitSync(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    for (const [index, name] of names.entries()) {
      expect(existsSync(join(results[index]!.json.agent.worktree, '.git', 'HEAD'))).toBe(false);
      expect(gitSync(repo, 'rev-parse', `refs/agentctl/${name}/head`)).toBe(
        gitSync(repo, 'rev-parse', `agent/${name}`),
      );
    }
    gitSync(repo, 'fsck', '--no-progress');
  });

  it('ls shows each branch and what only its worktree holds', async () => {
    writeFileSync(join(worktreeDir, readdirSync(worktreeDir)[0]!, names[0]!, 'draft.txt'), 'draft\n');
    const result = await f.cli(['ls', '--json'], { env: env() });
    expect(result.exitCode).toBe(0);
    const agent = result.json.agents.find((item: { name: string }) => item.name === names[0]);
    expect(agent).toMatchObject({ branch: `agent/${names[0]}`, worktree: { uncommitted: 1, unmerged: 1 } });
    const table = await f.cli(['ls'], { env: env() });
    expect(table.stdout).toContain(`agent/${names[0]} (1 uncommitted, +1 unmerged)`);
  });

  it('git gc and worktree prune inside a container touch neither the user’s objects nor the user’s worktrees', async () => {
    const mine = join(root, 'my other worktree');
    gitSync(repo, 'worktree', 'add', '-q', '-b', 'mine', mine);
    chownTree(mine);
    chownTree(join(repo, '.git'));
    const output = await inContainer(
      names[1]!,
      'cd /workspace && git worktree prune -v 2>&1; git gc -q --prune=now 2>&1; git status --short; git --no-pager log --oneline -1',
    );
    expect(output).toContain(`work of ${names[1]}`);
    const list = gitSync(repo, 'worktree', 'list', '--porcelain');
    expect(list).toContain(`worktree ${mine}\n`);
    expect(list).not.toContain('prunable');
    gitSync(repo, 'fsck', '--no-progress');
  });

  it('rm refuses to lose uncommitted files or unmerged commits and names them; --keep-branch and --force', async () => {
    const [one, two, three] = names as [string, string, string];
    expect((await f.cli(['stop', '-t', '0', one, two, three])).exitCode).toBe(0);

    // one: an uncommitted draft.txt and an unmerged commit.
    const refused = await f.cli(['rm', one], { env: env() });
    expect(refused.exitCode).toBe(9);
    expect(refused.stderr).toContain('draft.txt');
    expect(refused.stderr).toContain(`work of ${one}`);
    expect(await f.containerExists(`agentctl-${one}`)).toBe(true);
    const stillRefused = await f.cli(['rm', '--keep-branch', one], { env: env() });
    expect(stillRefused.exitCode).toBe(9);
    expect(stillRefused.stderr).toContain('draft.txt');
    const forced = await f.cli(['rm', '--force', one], { env: env() });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(gitSync(repo, 'branch', '--list', `agent/${one}`)).toBe('');

    // two: only an unmerged commit; --keep-branch keeps the branch and its commit.
    const kept = await f.cli(['rm', '--keep-branch', '--json', two], { env: env() });
    expect(kept.exitCode, kept.stderr).toBe(0);
    expect(kept.json.removed[0].worktree).toMatchObject({ branch: `agent/${two}`, deletedBranch: false });
    expect(existsSync(kept.json.removed[0].worktree.path)).toBe(false);
    expect(gitSync(repo, 'log', '-1', '--format=%s', `agent/${two}`)).toBe(`work of ${two}`);

    // three: once another branch holds its commit, nothing is lost: removed with its branch.
    gitSync(repo, 'branch', `merged-${three}`, `agent/${three}`);
    const clean = await f.cli(['rm', three], { env: env() });
    expect(clean.exitCode, clean.stderr).toBe(0);
    expect(gitSync(repo, 'branch', '--list', `agent/${three}`)).toBe('');
    expect(gitSync(repo, 'worktree', 'list')).not.toContain(worktreeDir);
    gitSync(repo, 'fsck', '--no-progress');
  });

  it('prune removes worktrees of agents that are gone, keeping those with work unless --force', async () => {
    const [clean, dirty] = [f.agentName('orphan'), f.agentName('dirty')];
    const started = await Promise.all([start(clean, ['--worktree']), start(dirty, ['--worktree'])]);
    for (const result of started) expect(result.exitCode, result.stderr).toBe(0);
    const [cleanPath, dirtyPath] = started.map((result) => result.json.agent.worktree as string) as [string, string];
    writeFileSync(join(dirtyPath, 'unsaved.txt'), 'x\n');
    // The agents vanish without agentctl (e.g. removed with the engine's own CLI).
    for (const name of [clean, dirty]) await f.docker.getContainer(`agentctl-${name}`).remove({ force: true });
    // prune leaves worktrees younger than a few minutes (a start may still be creating its container).
    const old = new Date(Date.now() - 3_600_000);
    for (const path of [cleanPath, dirtyPath])
      utimesSync(join(dirname(path), '.agents', basename(path), 'agent.json'), old, old);

    const pruned = await f.cli(['prune'], { env: env() });
    expect(pruned.exitCode).toBe(9);
    expect(pruned.stdout).toContain(`removed worktree ${cleanPath} and branch agent/${clean}`);
    expect(pruned.stderr).toContain('unsaved.txt');
    expect(existsSync(cleanPath)).toBe(false);
    expect(existsSync(dirtyPath)).toBe(true);
    const forced = await f.cli(['prune', '--force'], { env: env() });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(existsSync(dirtyPath)).toBe(false);
    expect(gitSync(repo, 'branch', '--list', 'agent/*')).toBe(`agent/${names[1]}`);
  });

  it('git works inside for a --separate-git-dir repository and for a checkout that is itself a worktree', async () => {
    const [separate, linked] = [f.agentName('sep'), f.agentName('linked')];
    const sepRepo = makeRepository(join(root, 'sep work'), '--separate-git-dir', join(root, 'sep store.git'));
    const linkedCheckout = join(root, 'linked checkout');
    gitSync(repo, 'worktree', 'add', '-q', '-b', 'linked', linkedCheckout);
    chownTree(root);
    const results = await Promise.all([
      start(separate, ['--worktree'], sepRepo),
      start(linked, ['--no-worktree'], linkedCheckout),
    ]);
    for (const result of results) expect(result.exitCode, result.stderr).toBe(0);
    const linkedHead = gitSync(linkedCheckout, 'rev-parse', 'HEAD');
    for (const name of [separate, linked]) {
      await inContainer(
        name,
        `cd /workspace && echo x > ${name}.txt && git add ${name}.txt && git commit -q -m "by ${name}"`,
      );
    }
    expect((await f.cli(['ls'], { env: env() })).exitCode).toBe(0);
    expect(gitSync(sepRepo, 'log', '-1', '--format=%s', `agent/${separate}`)).toBe(`by ${separate}`);
    expect(gitSync(sepRepo, 'status', '--porcelain')).toBe('');
    // In the checkout itself, the agent's commit is on its own branch; the checkout's branch did not move.
    expect(gitSync(linkedCheckout, 'log', '-1', '--format=%an|%s', `agent/${linked}`)).toBe(
      `agentctl agent ${linked}|by ${linked}`,
    );
    expect(gitSync(linkedCheckout, 'rev-parse', 'HEAD')).toBe(linkedHead);
    expect((await f.cli(['rm', '--force', separate, linked], { env: env() })).exitCode).toBe(0);
    gitSync(sepRepo, 'fsck', '--no-progress');
  });

  it('run in the checkout itself: the commit arrives on agent/NAME, the checkout’s branch stays, the result reports it', async () => {
    const name = f.agentName('inplace');
    const before = gitSync(repo, 'rev-parse', 'main');
    const script = `echo in-place > ${name}.txt && git add ${name}.txt && git commit -q -m "in place by ${name}"`;
    const result = await f.cli(['run', name, '--json', '--rm', '--image', image, '--', 'sh', '-c', script], {
      cwd: repo,
      env: env(),
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json.worktree).toMatchObject({
      branch: `agent/${name}`,
      base: before,
      changedFiles: [`${name}.txt`],
      uncommitted: [],
    });
    expect(result.json.worktree.path).toBeUndefined();
    expect(gitSync(repo, 'log', '-1', '--format=%s', `agent/${name}`)).toBe(`in place by ${name}`);
    expect(gitSync(repo, 'rev-parse', 'main')).toBe(before);
    // The agent's file is in the checkout (its files are the checkout's); take the commit with a reset.
    expect(existsSync(join(repo, `${name}.txt`))).toBe(true);
    gitSync(repo, 'reset', '-q', `agent/${name}`);
    expect(gitSync(repo, 'status', '--porcelain')).toBe('');
    gitSync(repo, 'reset', '-q', '--hard', before);
    gitSync(repo, 'branch', '-D', `agent/${name}`);
  });

  it('auto: a second writing agent on the checkout gets a worktree; never refuses it; a failed start leaves nothing', async () => {
    const [first, second, third, broken] = ['first', 'second', 'third', 'broken'].map((label) =>
      f.agentName(label),
    ) as [string, string, string, string];
    const direct = await start(first);
    expect(direct.exitCode, direct.stderr).toBe(0);
    expect(direct.json.agent.worktree).toBeUndefined();
    const isolated = await start(second);
    expect(isolated.exitCode, isolated.stderr).toBe(0);
    expect(isolated.json.agent.branch).toBe(`agent/${second}`);
    const refused = await f.cli(['start', third, '-d', '--image', image, '--', 'sleep', '600'], {
      cwd: repo,
      env: { ...env(), AGENTCTL_WORKTREE: 'never' },
    });
    expect(refused.exitCode).toBe(8);
    expect(refused.stderr).toContain('--worktree');

    const failed = await f.cli(
      ['start', broken, '-d', '--worktree', '--image', 'agentctl-test/no-such-image:0', '--pull', 'never'],
      { cwd: repo, env: env() },
    );
    expect(failed.exitCode).not.toBe(0);
    expect(gitSync(repo, 'branch', '--list', `agent/${broken}`)).toBe('');
    expect(gitSync(repo, 'worktree', 'list')).not.toContain(broken);
    expect((await f.cli(['rm', '--force', first, second], { env: env() })).exitCode).toBe(0);
  });
});
