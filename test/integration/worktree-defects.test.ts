import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitSync, makeRepository } from '../helpers/git-repo.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';

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
