import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/run-cli.js';
import { streamFixture, until } from '../helpers/stream-agents.js';

const fixture = streamFixture('logs');
afterAll(() => fixture.cleanUp());

describe(`logs on ${fixture.engineName}`, () => {
  it('prints what the agent printed, stdout on stdout and stderr on stderr', async () => {
    const { name } = await fixture.createAgent({
      label: 'split',
      command: ['sh', '-c', 'echo out-1; echo err-1 >&2; echo out-2; echo err-2 >&2'],
      waitForExit: true,
    });
    const result = await fixture.cli(['logs', name]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n')).toEqual(['out-1', 'out-2']);
    expect(result.stderr.split('\n')).toEqual(['err-1', 'err-2']);
  });

  it('prints the output of an agent with a TTY', async () => {
    const { name } = await fixture.createAgent({
      label: 'tty',
      command: ['sh', '-c', 'echo from-tty'],
      tty: true,
      waitForExit: true,
    });
    const result = await fixture.cli(['logs', name]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe('from-tty');
  });

  it('--tail keeps the last lines; --since and --until filter by time', async () => {
    const { name } = await fixture.createAgent({
      label: 'time',
      command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line-$i; done; sleep 2; echo later'],
      waitForExit: true,
    });
    const tail = await fixture.cli(['logs', '--tail', '2', name]);
    expect(tail.stdout.split('\n')).toEqual(['line-5', 'later']);

    const json = await fixture.cli(['--json', 'logs', '--timestamps', name]);
    const records = json.stdout.split('\n').map((line) => JSON.parse(line) as { line: string; time: string });
    const later = records.find((record) => record.line === 'later')!;
    expect(Date.parse(later.time)).not.toBeNaN();
    const since = new Date(Math.floor(Date.parse(later.time) / 1000) * 1000).toISOString();
    const sinceResult = await fixture.cli(['logs', '--since', since, name]);
    expect(sinceResult.stdout).toBe('later');

    expect((await fixture.cli(['logs', '--since', '1h', name])).stdout.split('\n')).toHaveLength(6);
    const untilResult = await fixture.cli(['logs', '--until', '1h', name]);
    expect(untilResult.exitCode).toBe(0);
    expect(untilResult.stdout).toBe('');
  });

  it('rejects a bad --since or --tail before contacting the engine', async () => {
    const since = await fixture.cli(['logs', '--since', 'yesterday', 'whatever']);
    expect(since.exitCode).toBe(2);
    expect(since.stderr).toContain('Invalid --since value "yesterday"');
    expect(since.stderr).toContain('hint:');
    const tail = await fixture.cli(['--json', 'logs', '--tail', '-3', 'whatever']);
    expect(tail.exitCode).toBe(2);
    expect(tail.json.error.code).toBe('INVALID_TAIL');
  });

  it('interleaves several agents with name prefixes, and --json gives one parseable line each', async () => {
    const one = await fixture.createAgent({
      label: 'one',
      command: ['sh', '-c', 'echo alpha; echo oops >&2'],
      waitForExit: true,
    });
    const two = await fixture.createAgent({
      label: 'second',
      command: ['sh', '-c', 'echo beta; echo gamma'],
      waitForExit: true,
    });
    const width = Math.max(one.name.length, two.name.length);
    const result = await fixture.cli(['logs', one.name, two.name]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n').sort()).toEqual(
      [
        `${one.name.padEnd(width)} | alpha`,
        `${two.name.padEnd(width)} | beta`,
        `${two.name.padEnd(width)} | gamma`,
      ].sort(),
    );
    expect(result.stderr).toBe(`${one.name.padEnd(width)} | oops`);
    // Line order within one agent is kept.
    const lines = result.stdout.split('\n');
    expect(lines.findIndex((l) => l.endsWith('beta'))).toBeLessThan(lines.findIndex((l) => l.endsWith('gamma')));

    const json = await fixture.cli(['--json', 'logs', one.name, two.name]);
    const records = json.stdout.split('\n').map((line) => JSON.parse(line));
    expect(records).toHaveLength(4);
    expect(records).toContainEqual({ agent: one.name, stream: 'stderr', line: 'oops' });
    expect(records).toContainEqual({ agent: two.name, stream: 'stdout', line: 'gamma' });
  });

  it('--all includes every agent, each line with its name', async () => {
    const { name } = await fixture.createAgent({
      label: 'everyone',
      command: ['sh', '-c', 'echo from-all'],
      waitForExit: true,
    });
    const result = await fixture.cli(['--json', 'logs', '--all', '--tail', '1']);
    expect(result.exitCode, result.stderr).toBe(0);
    const records = result.stdout.split('\n').map((line) => JSON.parse(line) as { agent: string; line: string });
    expect(records).toContainEqual({ agent: name, stream: 'stdout', line: 'from-all' });
    const both = await fixture.cli(['logs', '--all', name]);
    expect(both.exitCode).toBe(2);
  });

  it('--follow prints new output and ends when the agent stops', async () => {
    const { name } = await fixture.createAgent({
      label: 'follow',
      command: ['sh', '-c', 'echo first; sleep 3; echo second'],
    });
    const result = await fixture.cli(['logs', '-f', name]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n')).toEqual(['first', 'second']);
  });

  it('--follow ends cleanly on Ctrl-C', async () => {
    const { name } = await fixture.createAgent({ label: 'sigint', command: ['sh', '-c', 'echo started; sleep 300'] });
    const bin = process.env.AGENTCTL_TEST_BIN;
    const args = ['--host', fixture.host, 'logs', '-f', name];
    const child = execa(bin ?? process.execPath, bin ? args : [BIN, ...args], {
      reject: false,
      env: { NO_COLOR: '1' },
    });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await until('the first line', () => stdout.includes('started') || undefined);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('names an unknown agent clearly', async () => {
    const result = await fixture.cli(['logs', fixture.agentName('missing')]);
    expect(result.exitCode).toBe(7);
    expect(result.stderr).toContain('No agent named');
    expect(result.stderr).toContain('agentctl ls');
  });
});
