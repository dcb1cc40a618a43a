import { chownSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitSync, makeRepository } from '../helpers/git-repo.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';

const f = lifecycleFixture('many');
const made: string[] = [];

// As root, the repository belongs to another user, as a developer's checkout does (see worktree.test.ts).
function chownTree(path: string): void {
  if (process.getuid?.() !== 0) return;
  chownSync(path, 1234, 1234);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry));
}

describe(`agentctl start --count on ${f.engineName}`, () => {
  afterAll(async () => {
    if (made.length > 0) await f.cli(['rm', '-f', ...made]);
    await f.cleanUp();
  });

  it('starts N agents NAME-1 … NAME-N on one repository in one command, each on a branch of its own', async () => {
    const root = f.workspace();
    const repo = makeRepository(join(root, 'repo'));
    chownTree(root);
    const base = f.agentName('n');
    const names = [1, 2, 3].map((index) => `${base}-${index}`);
    made.push(...names);
    const result = await f.cli(
      ['start', base, '--count', '3', '--worktree', '--image', f.image, '--json', '--', 'sleep', '600'],
      { cwd: repo, env: { AGENTCTL_WORKTREE_DIR: join(root, 'worktrees') } },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json).toMatchObject({ ok: true, failed: [] });
    expect(result.json.agents.map((agent: { name: string }) => agent.name)).toEqual(names);
    expect(result.json.agents.map((agent: { branch: string }) => agent.branch)).toEqual(
      names.map((name) => `agent/${name}`),
    );
    expect(gitSync(repo, 'status', '--porcelain')).toBe('');
    for (const name of names) {
      expect((await f.docker.getContainer(`agentctl-${name}`).inspect()).State.Running, name).toBe(true);
    }
    const human = await f.cli(['ls', '--json']);
    const listed = human.json.agents.map((agent: { name: string }) => agent.name);
    expect(listed).toEqual(expect.arrayContaining(names));
  });

  it('reports an agent that cannot start, starts the others, and exits with its code', async () => {
    const base = f.agentName('p');
    made.push(`${base}-1`, `${base}-2`);
    const workspace = f.workspace();
    const first = await f.cli(['start', `${base}-2`, '-d', '--read-only', '--image', f.image, '--', 'sleep', '600'], {
      cwd: workspace,
    });
    expect(first.exitCode, first.stderr).toBe(0);
    const result = await f.cli(
      ['start', base, '--count', '2', '--read-only', '--image', f.image, '--', 'sleep', '600'],
      {
        cwd: workspace,
      },
    );
    // AGENT_EXISTS is a conflict: exit 8.
    expect(result.exitCode, result.stderr).toBe(8);
    expect(result.stdout.trim(), result.stderr).toBe(`${base}-1`);
    expect(result.stderr).toContain(`agent ${base}-2 did not start: Agent ${base}-2 already exists`);
    expect((await f.docker.getContainer(`agentctl-${base}-1`).inspect()).State.Running).toBe(true);
  });

  it('refuses a count that is not 1 to 100 as a usage error, making nothing', async () => {
    const result = await f.cli(['start', f.agentName('bad'), '--count', '0', '--image', f.image]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Invalid --count "0"');
  });
});
