import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterSuite } from '../helpers/cluster.js';

const { fixture, cli, image } = clusterSuite('run');
const small = ['--image', image, '--cpus', '0.1', '--memory', '64m'];

describe('run and wait on the Kubernetes backend', () => {
  it('runs a command to its end from the first line of output, passes its exit code, and --rm leaves nothing', async () => {
    const result = await cli([
      'run',
      '--rm',
      'once',
      ...small,
      '--',
      'sh',
      '-c',
      'echo out-first; echo err-line >&2; echo out-last; exit 3',
    ]);
    expect(result.exitCode, result.stderr).toBe(3);
    // The API server keeps stdout and stderr in one log: both arrive on stdout, stdout in its order
    // (the node's log writer may put a stderr line before or after its stdout neighbours).
    const lines = result.stdout.split('\n');
    expect([...lines].sort()).toEqual(['err-line', 'out-first', 'out-last']);
    expect(lines.indexOf('out-first')).toBeLessThan(lines.indexOf('out-last'));
    expect(await fixture.leftovers()).toEqual([]);
  });

  it("hands the task input over as a file from the agent's Secret, never on the command line", async () => {
    const input = join(fixture.tempDir(), 'task.txt');
    writeFileSync(input, 'the task, in a file\n');
    const result = await cli([
      'run',
      '--rm',
      'input',
      ...small,
      '--input',
      input,
      '--',
      'sh',
      '-c',
      'cat "$AGENTCTL_INPUT_FILE"; ls -lL "$AGENTCTL_INPUT_FILE" | cut -c1-10',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.split('\n')).toEqual(['the task, in a file', '-r--r-----']);
    expect(await fixture.leftovers()).toEqual([]);
  });

  it("--timeout stops the agent and exits 124; wait reports an agent's exit code", async () => {
    const timed = await cli(
      ['run', '--rm', 'slow', ...small, '--timeout', '5s', '--stop-timeout', '1', '--', 'sleep', '300'],
      { timeout: 120_000 },
    );
    expect(timed.exitCode, timed.stderr).toBe(124);
    expect(await fixture.leftovers()).toEqual([]);

    expect((await cli(['start', '--detach', 'waited', ...small, '--', 'sh', '-c', 'sleep 3; exit 5'])).exitCode).toBe(
      0,
    );
    const waited = await cli(['wait', 'waited', '--json']);
    expect(waited.json).toMatchObject({ ok: false, exitCode: 5 });
    // prune keeps the exited agent: its claim holds its workspace clone, which nothing can read
    // without its Pod (exit 9); --force removes it and its claim, as on the engines.
    const kept = await cli(['prune', '--json']);
    expect(kept.exitCode, kept.stderr).toBe(9);
    expect(kept.json.error).toMatchObject({
      code: 'PRUNE_CLONES_MAY_HOLD_WORK',
      details: { kept: [{ agent: 'waited', volume: 'agentctl-waited-home' }] },
    });
    expect((await cli(['ls', '--all', '--json'])).json.agents.map((agent: { name: string }) => agent.name)).toEqual([
      'waited',
    ]);
    const pruned = await cli(['prune', '--force', '--json']);
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(pruned.json).toMatchObject({
      containers: [{ name: 'waited', container: 'agentctl-waited', state: 'exited' }],
      volumes: ['agentctl-waited-home'],
    });
    expect(await fixture.leftovers()).toEqual([]);
  });
});
