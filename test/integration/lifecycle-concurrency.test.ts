import { afterAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

const f = lifecycleFixture('lcc');

describe(`concurrent starts on ${f.engineName}`, () => {
  afterAll(() => f.cleanUp());

  it('three agents started at once from three processes all come up', async () => {
    const names = ['a', 'b', 'c'].map((label) => f.agentName(label));
    const results = await Promise.all(
      names.map((name) =>
        f.cli(['start', name, '-d', '--json', '--workspace', f.workspace(), '--image', f.image, '--', 'sleep', '600']),
      ),
    );
    expect(
      results.map((r) => r.exitCode),
      results.map((r) => r.stdout).join('\n'),
    ).toEqual([0, 0, 0]);
    const listed = await f.cli(['ls', '--json']);
    const states = Object.fromEntries(
      listed.json.agents.map((a: { name: string; state: string }) => [a.name, a.state]),
    );
    for (const name of names) expect(states[name]).toBe('running');
    expect((await f.cli(['rm', '--force', '--volumes', ...names])).exitCode).toBe(0);
  });

  it('two starts racing for one name: exactly one wins, the other exits 8', async () => {
    const name = f.agentName('race');
    // Two workspaces, so that only the name is contested.
    const results = await Promise.all(
      [f.workspace(), f.workspace()].map((ws) =>
        f.cli(['start', name, '-d', '--json', '--workspace', ws, '--image', f.image, '--', 'sleep', '600']),
      ),
    );
    expect(results.map((r) => r.exitCode).sort(), results.map((r) => r.stdout).join('\n')).toEqual([0, 8]);
    const loser = results.find((r) => r.exitCode === 8)!;
    expect(['CONTAINER_NAME_TAKEN', 'AGENT_EXISTS']).toContain(loser.json.error.code);
    expect(loser.json.error.message).toContain(name);
    const info = await f.docker.getContainer(`agentctl-${name}`).inspect();
    expect(info.State.Running).toBe(true);
    // The winner's home volume survived the loser's clean-up.
    expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(true);
  });
});
