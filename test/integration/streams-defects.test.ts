import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/engines.js';
import { BIN } from '../helpers/run-cli.js';
import { streamFixture, tmuxAgentctl, until } from '../helpers/stream-agents.js';

// Regression tests of defects in logs, exec and attach (issues 16 and 22), each named after it.
const fixture = streamFixture('sdef');
const sessions: Array<{ kill: () => Promise<unknown> }> = [];
afterAll(async () => {
  for (const session of sessions) await session.kill();
  await fixture.cleanUp();
});

const SECRET = 'sk-test-9f3a7c1e5b2d4086';
const [HEAD, TAIL] = [SECRET.slice(0, 9), SECRET.slice(9)];
/** What agentctl sets in an agent started with `--secret API_TOKEN` (the value is only in the container). */
const SECRET_ENV = ['API_TOKEN_FILE=/run/secrets/API_TOKEN'];
/** Prints the secret whole, then in two writes a second apart (two reads for agentctl), on stdout and stderr. */
const PRINT_SECRET = `echo "whole ${SECRET} end"; printf 'split ${HEAD}'; sleep 1; printf '${TAIL} end\\n'; echo "err ${SECRET}" >&2`;

/** The built agentctl with exact output (no final newline stripped: line endings are under test). */
function agentctl(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  const bin = process.env.AGENTCTL_TEST_BIN;
  const argv = ['--host', fixture.host, ...args];
  return execa(bin ?? process.execPath, bin ? argv : [BIN, ...argv], {
    reject: false,
    stripFinalNewline: false,
    input: options.input ?? '',
    env: { NO_COLOR: '1', ...options.env },
    timeout: 120_000,
  });
}

function expectMasked(text: string) {
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(TAIL);
  expect(text).toContain('********');
}

async function inTmux(args: string[], env: Record<string, string> = {}) {
  const session = await tmuxAgentctl(
    fixture.tempDir(),
    { globals: ['--host', fixture.host], env: { NO_COLOR: '1', ...env } },
    args,
  );
  sessions.push(session);
  return session;
}

describe(`secrets printed in clear by logs and exec, on ${fixture.engineName}`, () => {
  const env = { API_TOKEN: SECRET };

  it('logs masks a secret the agent was started with (value from the environment), whole or split, in every mode', async () => {
    const plain = await fixture.createAgent({
      label: 'secret',
      command: ['sh', '-c', PRINT_SECRET],
      env: SECRET_ENV,
      waitForExit: true,
    });
    const tty = await fixture.createAgent({
      label: 'secret-tty',
      command: ['sh', '-c', PRINT_SECRET],
      env: SECRET_ENV,
      tty: true,
      waitForExit: true,
    });
    for (const args of [
      ['logs', plain.name],
      ['logs', tty.name],
      ['logs', '--timestamps', plain.name],
      ['--json', 'logs', plain.name],
      ['--json', 'logs', '--timestamps', plain.name],
      // Podman logs a line written in pieces as several entries, each with its timestamp; a TTY's
      // stream has no frames to tell them apart, so there the timestamp stays inside the line (and
      // the secret cut by it is not whole): a documented limit, tried on Docker only.
      ...(fixture.engineName === 'podman' ? [] : [['--json', 'logs', '--timestamps', tty.name]]),
      ['logs', plain.name, tty.name],
    ]) {
      const result = await agentctl(args, { env });
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expectMasked(result.stdout + result.stderr);
      expect(result.stdout).toContain('whole ******** end');
      expect(result.stdout).toContain('split ******** end');
    }
    // The name alone is recorded: without the value in the environment there is nothing to mask.
    const unknown = await agentctl(['logs', plain.name]);
    expect(unknown.stdout).toContain(SECRET);
  });

  it('logs --follow masks a secret printed while it follows', async () => {
    const { name } = await fixture.createAgent({
      label: 'secret-follow',
      command: ['sh', '-c', `echo started; sleep 2; ${PRINT_SECRET}`],
      env: SECRET_ENV,
    });
    const result = await agentctl(['logs', '-f', name], { env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('started');
    expect(result.stdout).toContain('split ******** end');
    expectMasked(result.stdout + result.stderr);
  });

  it('logs and exec mask the value of --secret NAME=@FILE and config `secrets`', async () => {
    const { name } = await fixture.createAgent({
      label: 'secret-file',
      command: ['sh', '-c', `${PRINT_SECRET}; sleep 600`],
    });
    const file = join(fixture.tempDir(), 'token');
    writeFileSync(file, `${SECRET}\n`);
    await until('the agent output', async () => (await agentctl(['logs', name])).stderr.includes('err') || undefined);
    const logs = await agentctl(['logs', '--secret', `API_TOKEN=@${file}`, name]);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expectMasked(logs.stdout + logs.stderr);
    const exec = await agentctl(['exec', '--secret', `API_TOKEN=@${file}`, name, '--', 'sh', '-c', `echo ${SECRET}`]);
    expect(exec.stdout).toBe('********\n');

    const home = fixture.tempDir();
    const configDir = join(home, 'agentctl');
    await execa('mkdir', ['-p', configDir]);
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ secrets: ['OTHER_TOKEN'] }));
    const configured = await agentctl(['logs', name], { env: { XDG_CONFIG_HOME: home, OTHER_TOKEN: SECRET } });
    expect(configured.exitCode, configured.stderr).toBe(0);
    expectMasked(configured.stdout + configured.stderr);
  });

  it('exec masks a secret in its output, whole or split between two reads, with and without --json or -t', async () => {
    const { name } = await fixture.createAgent({ label: 'secret-exec', command: ['sleep', '600'], env: SECRET_ENV });
    const plain = await agentctl(['exec', name, '--', 'sh', '-c', PRINT_SECRET], { env });
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stdout).toBe('whole ******** end\nsplit ******** end\n');
    expect(plain.stderr).toBe('err ********\n');
    const tty = await agentctl(['exec', '-t', name, '--', 'sh', '-c', PRINT_SECRET], { env });
    expectMasked(tty.stdout);
    expect(tty.stdout).toContain('split ******** end');
    const json = await agentctl(['--json', 'exec', name, '--', 'sh', '-c', PRINT_SECRET], { env });
    const document = JSON.parse(json.stdout) as { stdout: string; stderr: string };
    expect(document.stdout).toBe('whole ******** end\nsplit ******** end\n');
    expect(document.stderr).toBe('err ********\n');
    // Output that merely starts like the secret is printed in full once it is over.
    const near = await agentctl(['exec', name, '--', 'printf', HEAD], { env });
    expect(near.stdout).toBe(HEAD);
  });

  it('a real `start --secret` agent: logs and exec mask what it prints from /run/secrets', async () => {
    const workspace = fixture.tempDir();
    const name = fixture.agentName('secret-start');
    const started = await agentctl(
      [
        'start',
        name,
        '-d',
        '--image',
        testEngine().engines.testImage,
        '--workspace',
        workspace,
        '--secret',
        'API_TOKEN',
        '--',
        'sh',
        '-c',
        'cat /run/secrets/API_TOKEN; echo; sleep 600',
      ],
      { env },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    try {
      await until('the agent to print', async () =>
        (await agentctl(['logs', name], { env })).stdout.includes('********') ? true : undefined,
      );
      const logs = await agentctl(['logs', name], { env });
      expectMasked(logs.stdout + logs.stderr);
      const exec = await agentctl(['exec', name, '--', 'cat', '/run/secrets/API_TOKEN'], { env });
      expect(exec.exitCode, exec.stderr).toBe(0);
      expect(exec.stdout).toBe('********');
    } finally {
      await agentctl(['rm', '--force', name]);
    }
  });
});

describe(`logs does not keep stdout and stderr apart for TTY agents, on ${fixture.engineName}`, () => {
  it('--json says "stream":"tty" for an agent with a TTY, stdout/stderr without one, and the help says so', async () => {
    const command = ['sh', '-c', 'echo to-out; echo to-err >&2'];
    const tty = await fixture.createAgent({ label: 'stream-tty', command, tty: true, waitForExit: true });
    const plain = await fixture.createAgent({ label: 'stream-plain', command, waitForExit: true });
    const ttyJson = await agentctl(['--json', 'logs', tty.name]);
    expect(
      ttyJson.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { agent: tty.name, stream: 'tty', line: 'to-out' },
      { agent: tty.name, stream: 'tty', line: 'to-err' },
    ]);
    const plainJson = await agentctl(['--json', 'logs', plain.name]);
    const records = plainJson.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records).toContainEqual({ agent: plain.name, stream: 'stdout', line: 'to-out' });
    expect(records).toContainEqual({ agent: plain.name, stream: 'stderr', line: 'to-err' });
    const help = await agentctl(['logs', '--help']);
    expect(help.stdout).toContain('"stream":"tty"');
    expect(help.stdout).toContain('agentctl run');
  });

  it('start --no-tty makes an agent whose logs keep stdout and stderr apart; an existing TTY agent refuses it', async () => {
    const workspace = fixture.tempDir();
    const image = testEngine().engines.testImage;
    const name = fixture.agentName('no-tty');
    const ttyName = fixture.agentName('has-tty');
    try {
      const started = await agentctl([
        'start',
        name,
        '-d',
        '--no-tty',
        '--image',
        image,
        '--workspace',
        workspace,
        '--',
        'sh',
        '-c',
        'echo to-out; echo to-err >&2; sleep 600',
      ]);
      expect(started.exitCode, started.stderr).toBe(0);
      const records = await until('both lines', async () => {
        const lines = (await agentctl(['--json', 'logs', name])).stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as unknown);
        return lines.length === 2 ? lines : undefined;
      });
      expect(records).toContainEqual({ agent: name, stream: 'stdout', line: 'to-out' });
      expect(records).toContainEqual({ agent: name, stream: 'stderr', line: 'to-err' });
      expect((await agentctl(['logs', name])).stderr).toBe('to-err\n');

      // Its own workspace: two writing agents never share one.
      const other = await agentctl([
        'start',
        ttyName,
        '-d',
        '--image',
        image,
        '--workspace',
        fixture.tempDir(),
        '--',
        'sleep',
        '600',
      ]);
      expect(other.exitCode, other.stderr).toBe(0);
      expect((await agentctl(['stop', '--timeout', '0', ttyName])).exitCode).toBe(0);
      const resumed = await agentctl(['start', ttyName, '-d', '--no-tty']);
      expect(resumed.exitCode).toBe(8);
      expect(resumed.stderr).toContain('--no-tty');
    } finally {
      await agentctl(['rm', '--force', name, ttyName]);
    }
  });
});

describe(`logs keep the TTY's CRLF line endings, on ${fixture.engineName}`, () => {
  it("a TTY agent's lines end in \\n (raw, --timestamps, --json); a non-TTY agent's bytes stay exact", async () => {
    const tty = await fixture.createAgent({
      label: 'crlf-tty',
      command: ['sh', '-c', 'echo one; echo two; printf "bar\\rdone\\n"'],
      tty: true,
      waitForExit: true,
    });
    const raw = await agentctl(['logs', tty.name]);
    expect(raw.stdout).toBe('one\ntwo\nbar\rdone\n');
    const stamped = await agentctl(['logs', '--timestamps', tty.name]);
    expect(stamped.stdout).not.toContain('\r\n');
    expect(stamped.stdout.split('\n')).toHaveLength(4);
    const json = await agentctl(['--json', 'logs', tty.name]);
    expect(json.stdout).not.toContain('\r\n');
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { line: string }).line),
    ).toEqual(['one', 'two', 'bar\rdone']);

    const plain = await fixture.createAgent({
      label: 'crlf-plain',
      command: ['sh', '-c', 'printf "dos\\r\\nunix\\n"'],
      waitForExit: true,
    });
    expect((await agentctl(['logs', plain.name])).stdout).toBe('dos\r\nunix\n');
    const plainJson = await agentctl(['--json', 'logs', plain.name]);
    expect(
      plainJson.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { line: string }).line),
    ).toEqual(['dos\r', 'unix']);
  });
});

describe(`piped attach loses output after stdin ends, on ${fixture.engineName}`, () => {
  it('echo status | agentctl attach prints every line the agent prints after the input ended, and its exit code', async () => {
    const { name } = await fixture.createAgent({
      label: 'pipe-after',
      command: [
        'sh',
        '-c',
        'read line; echo "got:$line"; sleep 2; echo later-1; echo later-2; sleep 1; echo later-3; exit 4',
      ],
      openStdin: true,
    });
    const result = await agentctl(['attach', name], { input: 'status\n' });
    expect(result.stdout).toBe('got:status\nlater-1\nlater-2\nlater-3\n');
    expect(result.exitCode).toBe(4);
  });
});

describe(`exec -w /nonexistent says "Command not found", on ${fixture.engineName}`, () => {
  it('names the working directory that is missing or not a directory (126), and a missing command (127)', async () => {
    const { name } = await fixture.createAgent({ label: 'workdir', command: ['sleep', '600'] });
    const missing = await agentctl(['exec', '-w', '/nonexistent', name, '--', 'pwd']);
    expect(missing.exitCode).toBe(126);
    expect(missing.stderr).toContain('Working directory "/nonexistent" does not exist in agent');
    expect(missing.stderr).toContain('hint:');
    expect(missing.stderr).not.toContain('not found');
    const file = await agentctl(['exec', '-w', '/etc/passwd', name, '--', 'pwd']);
    expect(file.exitCode).toBe(126);
    expect(file.stderr).toContain('Working directory "/etc/passwd" is not a directory in agent');
    const json = await agentctl(['--json', 'exec', '-w', '/nonexistent', name, '--', 'pwd']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      exitCode: 126,
      error: { code: 'EXEC_WORKDIR_INVALID' },
    });
    const command = await agentctl(['--json', 'exec', name, '--', 'no-such-tool']);
    expect(command.exitCode).toBe(127);
    expect(JSON.parse(command.stdout)).toMatchObject({
      ok: false,
      exitCode: 127,
      error: { code: 'EXEC_NOT_FOUND', message: expect.stringContaining('"no-such-tool" not found') },
    });
    const good = await agentctl(['exec', '-w', '/etc', name, '--', 'pwd']);
    expect(good.exitCode, good.stderr).toBe(0);
    expect(good.stdout).toBe('/etc\n');
  });
});

describe(`default detach keys collide with an agent's keymap, on ${fixture.engineName}`, () => {
  /** An agent that prints the hex of each byte it reads from its terminal, as soon as it reads it. */
  const KEY_ECHO = [
    'sh',
    '-c',
    'stty raw -echo; while true; do dd bs=1 count=1 2>/dev/null | od -An -tx1 | tr -d " \\n"; printf " "; done',
  ];
  /** Types an ordinary key until the agent shows it: the attach is then connected. */
  const connected = (session: Awaited<ReturnType<typeof inTmux>>) =>
    until('the attach to forward a key', async () => {
      await session.send('z');
      return /(^|\s)7a(\s|$)/m.test(await session.capture()) || undefined;
    });

  it('ctrl-p reaches the agent at once, and the single key ctrl-\\ detaches by default', async () => {
    const { name, container } = await fixture.createAgent({
      label: 'keys-default',
      command: KEY_ECHO,
      tty: true,
      openStdin: true,
    });
    const session = await inTmux(['attach', name]);
    await connected(session);
    await session.send('C-p');
    // 0x10 is ctrl-p: shown without any further key.
    await session.waitFor(/(^|\s)10(\s|$)/m);
    await session.send('C-\\');
    expect(await session.exitCode()).toBe(0);
    // The message wraps at the pane's 80 columns.
    expect((await session.capture()).replace(/\n/g, '')).toContain(`agentctl attach ${name}`);
    expect((await container.inspect()).State.Running).toBe(true);
  });

  it('detach keys come from AGENTCTL_DETACH_KEYS (config detachKeys) unless --detach-keys is given; a bad value names its setting', async () => {
    const { name, container } = await fixture.createAgent({
      label: 'keys-config',
      command: KEY_ECHO,
      tty: true,
      openStdin: true,
    });
    const configured = await inTmux(['attach', name], { AGENTCTL_DETACH_KEYS: 'ctrl-a,d' });
    await connected(configured);
    // ctrl-\ is an ordinary key now (0x1c reaches the agent); ctrl-a d detaches.
    await configured.send('C-\\');
    await configured.waitFor(/(^|\s)1c(\s|$)/m);
    await configured.send('C-a', 'd');
    expect(await configured.exitCode()).toBe(0);
    expect((await container.inspect()).State.Running).toBe(true);

    const flag = await inTmux(['attach', '--detach-keys', 'ctrl-x', name], { AGENTCTL_DETACH_KEYS: 'ctrl-a,d' });
    await connected(flag);
    await flag.send('C-x');
    expect(await flag.exitCode()).toBe(0);

    const bad = await agentctl(['attach', name], { env: { AGENTCTL_DETACH_KEYS: 'ctrl-1' } });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('config detachKeys');
    expect(bad.stderr).toContain('AGENTCTL_DETACH_KEYS');
  });
});
