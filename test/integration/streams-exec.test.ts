import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamFixture } from '../helpers/stream-agents.js';

const fixture = streamFixture('exec');
let agent: string;

beforeAll(async () => {
  agent = (await fixture.createAgent({ label: 'box', command: ['sleep', '600'] })).name;
});
afterAll(() => fixture.cleanUp());

describe(`exec and shell on ${fixture.engineName}`, () => {
  it("passes the command's exit code through and keeps stdout and stderr apart", async () => {
    const result = await fixture.cli(['exec', agent, '--', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 3']);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe('to-out');
    expect(result.stderr).toBe('to-err');
  });

  it('sends piped stdin to the command with -i (and only the piped bytes)', async () => {
    const result = await fixture.cli(['exec', '-i', agent, '--', 'sh', '-c', 'cat; echo end'], {
      input: 'line one\nline two\n',
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('line one\nline two\nend');
  });

  it('applies -e, -w and -u, and gives a TTY with -t', async () => {
    const result = await fixture.cli([
      'exec',
      '-e',
      'GREETING=hi there',
      '-w',
      '/tmp',
      '-u',
      '0',
      agent,
      '--',
      'sh',
      '-c',
      'echo "$GREETING|$(pwd)|$(id -u)"',
    ]);
    expect(result.stdout).toBe('hi there|/tmp|0');
    const tty = await fixture.cli(['exec', '-t', agent, '--', 'sh', '-c', 'test -t 1 && echo has-tty']);
    expect(tty.exitCode).toBe(0);
    expect(tty.stdout.trim()).toBe('has-tty');
  });

  it('reports a missing executable clearly with exit code 127, and a non-executable file with 126', async () => {
    const missing = await fixture.cli(['exec', agent, '--', 'no-such-tool', '--flag']);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain('Command "no-such-tool" not found in agent');
    expect(missing.stderr).toContain('hint:');
    expect(missing.stdout).toBe('');
    const denied = await fixture.cli(['exec', agent, '--', '/etc/passwd']);
    expect(denied.exitCode).toBe(126);
    expect(denied.stderr).toContain('permission denied');
  });

  it('refuses an unknown or stopped agent with a clear error', async () => {
    const unknown = await fixture.cli(['--json', 'exec', fixture.agentName('nope'), '--', 'true']);
    expect(unknown.exitCode).toBe(7);
    expect(unknown.json.error.code).toBe('AGENT_NOT_FOUND');
    const stopped = await fixture.createAgent({ label: 'stopped', command: ['true'], waitForExit: true });
    const result = await fixture.cli(['exec', stopped.name, '--', 'true']);
    expect(result.exitCode).toBe(8);
    expect(result.stderr).toContain('is not running');
    expect(result.stderr).toContain(`agentctl start ${stopped.name}`);
  });

  it('shell runs a login shell that reads piped commands', async () => {
    const result = await fixture.cli(['shell', agent], { input: 'echo "shell:$(id -u):$0"\nexit 4\n' });
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toBe('shell:1000:sh');
  });
});
