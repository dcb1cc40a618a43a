import { existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTestEngines } from '../helpers/engines.js';
import { gitSync, makeRepository } from '../helpers/git-repo.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { runCli } from '../helpers/run-cli.js';

// Issue 16: "`rm -f` reports kept branch for a branch that no longer exists": the user deleted the
// agent's branch; the next look at the agent (ls, rm) made it again from the agent's commit, and
// `rm -f --keep-branch` then said "kept branch" about a branch the user had deleted.
const f = lifecycleFixture('wtd');
const base = mkdtempSync(join(tmpdir(), 'agentctl-wtd-'));
const repo = makeRepository(join(base, 'repo'));
const env = { AGENTCTL_DATA_DIR: join(base, 'data') };
const branches = () => gitSync(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/');

afterAll(async () => {
  await f.cleanUp();
  rmSync(base, { recursive: true, force: true });
});

describe(`rm -f reports kept branch for a branch that no longer exists (${f.engineName})`, () => {
  it.each([[[] as string[]], [['--keep-branch']]])(
    'rm -f %j of an agent whose branch the user deleted',
    async (extra) => {
      const name = f.agentName(extra.length > 0 ? 'keep' : 'plain');
      const started = await f.cli(['start', name, '-d', '--worktree', '--image', f.image, '--', 'sleep', '600'], {
        cwd: repo,
        env,
      });
      expect(started.exitCode, started.stderr).toBe(0);
      gitSync(repo, 'branch', '-D', `agent/${name}`);
      const listed = await f.cli(['ls', '--json'], { cwd: repo, env });
      expect(listed.exitCode).toBe(0);
      expect(branches()).not.toContain(`agent/${name}`); // ls does not make it again
      const removed = await f.cli(['rm', '-f', ...extra, name], { cwd: repo, env });
      expect(removed.exitCode, removed.stderr).toBe(0);
      expect(removed.stderr).toContain(`its branch agent/${name} was already gone`);
      expect(removed.stderr).not.toMatch(/kept branch|and branch/);
      expect(branches()).not.toContain(`agent/${name}`);
    },
  );

  it('--json says the branch did not exist', async () => {
    const name = f.agentName('json');
    expect(
      (await f.cli(['start', name, '-d', '--worktree', '--image', f.image, '--', 'sleep', '600'], { cwd: repo, env }))
        .exitCode,
    ).toBe(0);
    gitSync(repo, 'branch', '-D', `agent/${name}`);
    const removed = await f.cli(['rm', '-f', '--keep-branch', '--json', name], { cwd: repo, env });
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(removed.json.removed[0].worktree).toMatchObject({ branchExisted: false, deletedBranch: false });
    expect(branches()).not.toContain(`agent/${name}`);
  });
});

// Issue 16: "prune on one engine destroys live agents' worktrees on another". All engines share one
// worktree directory; prune asked only its own engine which agents exist, so prune on Podman removed
// the worktree and branch of an agent running on Docker (and its hint recommended --force).
describe(`prune on one engine destroys live agents' worktrees on another (${f.engineName})`, () => {
  const engines = readTestEngines();
  // The other engine of the same user: as root the other rootful one; the docker-group user's
  // other is its rootless Podman, the rootless Podman user's other is Docker.
  const otherEngines: Record<typeof f.setup, string | undefined> = {
    root: f.engineName === 'docker' ? engines.podman.host : engines.docker.host,
    'docker-user': engines.rootlessPodman?.host,
    'podman-rootless': engines.docker.host,
  };
  const other = otherEngines[f.setup]!;
  // Scoped to the test's repository (where the agent's worktree is): the other engine is another
  // tier's while this one runs (scripts/test.sh runs two side by side), and an unscoped prune
  // would remove that tier's stopped agents. The worktrees considered are this repository's.
  const pruneOn = (host: string, extra: string[] = []) =>
    runCli(['--host', host, '--json', 'prune', '--workspace', repo, ...extra], { cwd: repo, env, timeout: 120_000 });
  // prune leaves states younger than a few minutes (a start may still be making its container).
  const age = (worktree: string) => {
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(join(dirname(worktree), '.agents', basename(worktree), 'agent.json'), old, old);
  };

  it('prune (and prune --force) through the other engine keep the worktree, branch and commit of an agent it cannot see', async () => {
    const name = f.agentName('live');
    const started = await f.cli(
      ['start', name, '-d', '--json', '--worktree', '--image', engines.debianImage, '--', 'sleep', '600'],
      { cwd: repo, env },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const worktree = started.json.agent.worktree as string;
    const commit = `cd /workspace && git -c user.name=a -c user.email=a@example.invalid commit -q --allow-empty -m "unmerged work of ${name}"`;
    const inside = await f.exec(`agentctl-${name}`, ['sh', '-c', commit]);
    expect(inside.exitCode, inside.output).toBe(0);
    // ls (on the agent's engine) brings the agent's commit to its branch in the user's repository.
    expect((await f.cli(['ls'], { cwd: repo, env })).exitCode).toBe(0);
    age(worktree);
    for (const extra of [[], ['--dry-run'], ['--force']]) {
      const pruned = await pruneOn(other, extra);
      expect(pruned.exitCode, pruned.stdout + pruned.stderr).toBe(0);
      expect(JSON.stringify(pruned.json)).not.toContain(name);
      expect(existsSync(worktree)).toBe(true);
      expect(branches()).toContain(`agent/${name}`);
    }
    expect(gitSync(repo, 'log', '-1', '--format=%s', `agent/${name}`)).toBe(`unmerged work of ${name}`);
    // Its own engine, which can tell the agent is gone, prunes it once it is.
    await f.docker.getContainer(`agentctl-${name}`).remove({ force: true });
    const own = await pruneOn(f.host, ['--force']);
    expect(own.exitCode, own.stdout + own.stderr).toBe(0);
    expect(existsSync(worktree)).toBe(false);
    expect(branches()).not.toContain(`agent/${name}`);
  });
});

// Issue 16: "Commits on a detached HEAD in an agent's worktree are lost by rm (ls shows 0 unmerged).
// rm --force prints no commit id to recover dropped work."
describe(`commits on a detached HEAD in an agent's worktree are lost by rm (${f.engineName})`, () => {
  const debian = readTestEngines().debianImage;

  it('ls counts them, rm refuses and names them, rm --force names the commit id to rescue it', async () => {
    const name = f.agentName('detached');
    const started = await f.cli(
      ['start', name, '-d', '--json', '--worktree', '--image', debian, '--', 'sleep', '600'],
      { cwd: repo, env },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const script =
      'cd /workspace && git checkout -q --detach && echo x > detached.txt && git add detached.txt && ' +
      'git -c user.name=a -c user.email=a@example.invalid commit -q -m "work on a detached HEAD" && git rev-parse HEAD';
    const inside = await f.exec(`agentctl-${name}`, ['sh', '-c', script]);
    expect(inside.exitCode, inside.output).toBe(0);
    const sha = inside.output.trim().split('\n').pop()!;
    expect(sha).toMatch(/^[0-9a-f]{40}$/);

    const listed = await f.cli(['ls', '--json'], { cwd: repo, env });
    const agent = (listed.json.agents as Array<{ name: string; worktree?: { unmergedCommits: number } }>).find(
      (item) => item.name === name,
    );
    expect(JSON.stringify(agent)).toMatch(/"unmerged(Commits)?":1/);

    expect((await f.cli(['stop', '--timeout', '0', name], { cwd: repo, env })).exitCode).toBe(0);
    const refused = await f.cli(['rm', '--json', name], { cwd: repo, env });
    expect(refused.exitCode).toBe(9);
    expect(refused.json.error.code).toBe('WORKTREE_HAS_WORK');
    // It was said to be "only on agent/NAME", with "merge agent/NAME" as the way to keep it: neither true.
    expect(refused.json.error.message).toContain(
      `commits on no branch of yours: ${sha.slice(0, 7)} work on a detached HEAD`,
    );
    expect(refused.json.error.hint).toContain(`git branch keep-${name} ${sha.slice(0, 12)}`);
    const kept = await f.cli(['rm', '--keep-branch', '--json', name], { cwd: repo, env });
    expect(kept.exitCode).toBe(9);
    expect(kept.json.error.message).toContain('on no branch of yours');

    const forced = await f.cli(['rm', '--force', name], { cwd: repo, env });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stderr).toContain(sha);
    expect(forced.stderr).toMatch(/git branch rescue <sha>/);
    // Until git gc, the id brings it back.
    gitSync(repo, 'branch', `rescue-${name}`, sha);
    expect(gitSync(repo, 'log', '-1', '--format=%s', `rescue-${name}`)).toBe('work on a detached HEAD');
    gitSync(repo, 'branch', '-D', `rescue-${name}`);
  });
});
