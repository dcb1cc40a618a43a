import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/run-cli.js';
import { streamFixture, tmuxAgentctl, until } from '../helpers/stream-agents.js';

const fixture = streamFixture('attach');
const sessions: Array<{ kill: () => Promise<unknown> }> = [];
afterAll(async () => {
  for (const session of sessions) await session.kill();
  await fixture.cleanUp();
});

async function inTmux(args: string[]) {
  const session = await tmuxAgentctl(fixture.tempDir(), fixture.host, args);
  sessions.push(session);
  return session;
}

async function paneSize(session: string): Promise<string> {
  return (await execa('tmux', ['display-message', '-p', '-t', session, '#{pane_height} #{pane_width}'])).stdout.trim();
}

describe(`attach and shell in a real terminal on ${fixture.engineName}`, () => {
  it('types into the agent, forwards a resize, detaches with the default ctrl-\\ and passes the exit code through', async () => {
    const { name, container } = await fixture.createAgent({
      label: 'tty',
      command: ['sh'],
      tty: true,
      openStdin: true,
    });

    const first = await inTmux(['attach', name]);
    await first.send('echo typed-$((6*7)); stty size', 'Enter');
    await first.waitFor(/typed-42/);
    await first.waitFor(new RegExp(`^${await paneSize(first.session)}$`, 'm'));
    await first.resize(100, 30);
    const size = await paneSize(first.session);
    expect(size).toMatch(/ 100$/);
    await first.send('stty size', 'Enter');
    await first.waitFor(new RegExp(`^${size}$`, 'm'));
    await first.send('C-\\');
    expect(await first.exitCode()).toBe(0);
    expect(await first.capture()).toContain(`agentctl attach ${name}`);
    expect((await container.inspect()).State.Running).toBe(true);

    const second = await inTmux(['attach', name]);
    await second.send('echo again-$((2*3))', 'Enter');
    await second.waitFor(/again-6/);
    await second.send('exit 7', 'Enter');
    expect(await second.exitCode()).toBe(7);
  });

  it('makes a running full-screen program redraw when attaching (it gets SIGWINCH)', async () => {
    const { name } = await fixture.createAgent({
      label: 'redraw',
      command: ['sh', '-c', 'trap "echo redraw-\\$(stty size | tr \\" \\" x)" WINCH; while true; do sleep 0.2; done'],
      tty: true,
      openStdin: true,
    });
    const session = await inTmux(['attach', name]);
    const [rows, columns] = (await paneSize(session.session)).split(' ');
    await session.waitFor(new RegExp(`redraw-${rows}x${columns}`));
    await session.send('C-\\');
    expect(await session.exitCode()).toBe(0);
  });

  it('honours --detach-keys', async () => {
    const { name, container } = await fixture.createAgent({
      label: 'keys',
      command: ['sh'],
      tty: true,
      openStdin: true,
    });
    const session = await inTmux(['attach', '--detach-keys', 'ctrl-a,d', name]);
    await session.send('echo ready-$((1+1))', 'Enter');
    await session.waitFor(/ready-2/);
    // ctrl-\ is an ordinary key now; ctrl-a d detaches.
    await session.send('C-a', 'd');
    expect(await session.exitCode()).toBe(0);
    expect((await container.inspect()).State.Running).toBe(true);
  });

  it('shell opens a login shell with a TTY that sees resizes and passes its exit code', async () => {
    const { name } = await fixture.createAgent({ label: 'shell', command: ['sleep', '600'] });
    const session = await inTmux(['shell', name]);
    await session.send('tty; echo "user-$(id -u)"', 'Enter');
    await session.waitFor(/user-1000/);
    expect(await session.capture()).toMatch(/\/dev\/pts\/\d+/);
    await session.resize(90, 20);
    const size = await paneSize(session.session);
    await session.send('stty size', 'Enter');
    await session.waitFor(new RegExp(`^${size}$`, 'm'));
    await session.send('exit 3', 'Enter');
    expect(await session.exitCode()).toBe(3);
  });
});

describe(`attach without a terminal on ${fixture.engineName}`, () => {
  it('sends piped stdin to the agent (nothing else) and exits with its exit code', async () => {
    const { name } = await fixture.createAgent({
      label: 'pipe',
      command: ['sh', '-c', 'while read line; do echo "got:$line"; [ "$line" = quit ] && exit 5; done; exit 9'],
      openStdin: true,
    });
    const bin = process.env.AGENTCTL_TEST_BIN;
    const args = ['--host', fixture.host, 'attach', name];
    const child = execa(bin ?? process.execPath, bin ? args : [BIN, ...args], {
      reject: false,
      env: { NO_COLOR: '1' },
    });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    // The engine may take a moment to connect the agent's output: repeat until it answers.
    await until('the agent to answer', () => {
      child.stdin!.write('hello\n');
      return stdout.includes('got:hello') || undefined;
    });
    child.stdin!.write('quit\n');
    const result = await child;
    expect(result.exitCode).toBe(5);
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('got:quit');
    expect(lines.every((line) => line === 'got:hello' || line === 'got:quit')).toBe(true);
  });

  it('Ctrl-C detaches and leaves the agent running', async () => {
    const { name, container } = await fixture.createAgent({
      label: 'sigint',
      command: ['sh', '-c', 'echo attached-ok; while true; do sleep 1; echo tick; done'],
      openStdin: true,
    });
    const bin = process.env.AGENTCTL_TEST_BIN;
    const args = ['--host', fixture.host, 'attach', name];
    const child = execa(bin ?? process.execPath, bin ? args : [BIN, ...args], {
      reject: false,
      env: { NO_COLOR: '1' },
    });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await until('output through the attach', () => stdout.includes('tick') || undefined);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`agentctl attach ${name}`);
    expect((await container.inspect()).State.Running).toBe(true);
  });

  it('refuses a stopped agent, naming how to start it', async () => {
    const { name } = await fixture.createAgent({ label: 'stopped', command: ['true'], waitForExit: true });
    const result = await fixture.cli(['attach', name]);
    expect(result.exitCode).toBe(8);
    expect(result.stderr).toContain(`agentctl start ${name}`);
  });

  it('rejects bad detach keys as a usage error', async () => {
    const result = await fixture.cli(['attach', '--detach-keys', 'ctrl-1', 'whatever']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Invalid detach key');
  });
});
