import { afterAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

const f = lifecycleFixture('wait');

describe(`agentctl wait on ${f.engineName}`, () => {
  afterAll(() => f.cleanUp());

  it('returns when the agent exits, with its exit code and end time', async () => {
    const name = f.agentName('wait');
    const workspace = f.workspace();
    const started = await f.cli(['start', name, '-d', '--image', f.image, '--', 'sh', '-c', 'sleep 2; exit 5'], {
      cwd: workspace,
    });
    expect(started.exitCode, started.stderr).toBe(0);
    const result = await f.cli(['wait', name, '--json']);
    expect(result.exitCode, result.stderr).toBe(5);
    expect(result.json).toMatchObject({ ok: false, exitCode: 5, agents: [{ name, exitCode: 5 }] });
    expect(Number.isNaN(Date.parse(result.json.agents[0].finishedAt))).toBe(false);
    // An agent that already ended answers at once, with the same code.
    const again = await f.cli(['wait', name]);
    expect(again.exitCode).toBe(5);
    expect(again.stdout).toBe(`${name}\t5`);
  });

  it('--timeout gives up with exit 124 while the agent runs on', async () => {
    const name = f.agentName('waitlong');
    const started = await f.cli(['start', name, '-d', '--image', f.image, '--', 'sleep', '600'], {
      cwd: f.workspace(),
    });
    expect(started.exitCode, started.stderr).toBe(0);
    const result = await f.cli(['wait', name, '--timeout', '1s', '--json']);
    expect(result.exitCode).toBe(124);
    expect(result.json).toMatchObject({ ok: false, error: { code: 'WAIT_TIMEOUT' } });
    expect((await f.docker.getContainer(`agentctl-${name}`).inspect()).State.Running).toBe(true);
  });

  it('an unknown agent is a clear error, exit 7', async () => {
    const result = await f.cli(['wait', f.agentName('missing')]);
    expect(result.exitCode).toBe(7);
    expect(result.stderr).toContain('No agent named');
  });
});
