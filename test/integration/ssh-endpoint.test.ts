import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { runCli } from '../helpers/run-cli.js';

// agentctl against `ssh://user@127.0.0.1:PORT`: a real sshd (Debian's openssh-server, started here
// as whoever runs the tests, on loopback only) whose sessions reach the engine under test through
// `docker system dial-stdio`, and the real OpenSSH client. The only stand-in is an `ssh` first on
// PATH that adds `-F <this test's ssh_config>` (key, known_hosts), since ssh reads ~/.ssh/config from
// the passwd home directory, not from $HOME.

const SSHD = '/usr/sbin/sshd';
const f = lifecycleFixture('ssh');
const user = userInfo().username;
let dir = '';
let sshd: ChildProcess | undefined;
let port = 0;
let url = '';
/** PATH with the ssh that knows this test's key and the sshd's host key. */
let trusting = '';
/** PATH with an ssh whose known_hosts lacks the sshd's host key. */
let distrusting = '';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}

async function waitForPort(target: number, deadline: number): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(target, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`sshd did not listen on ${target}: ${readFileSync(join(dir, 'sshd.log'), 'utf8')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** An `ssh` wrapper directory using the given known_hosts. */
function sshWith(name: string, knownHosts: string): string {
  const realSsh = execFileSync('sh', ['-c', 'command -v ssh'], { encoding: 'utf8' }).trim();
  const config = join(dir, `${name}.config`);
  writeFileSync(
    config,
    `Host *\n  IdentityFile ${join(dir, 'client_key')}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking yes\n`,
  );
  const bin = join(dir, name);
  mkdirSync(bin);
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nexec ${realSsh} -F ${config} "$@"\n`);
  chmodSync(join(bin, 'ssh'), 0o755);
  return `${bin}:${process.env.PATH}`;
}

function cli(args: string[], options: { path?: string; input?: string } = {}) {
  return runCli(['--host', url, ...args], { env: { PATH: options.path ?? trusting }, input: options.input });
}

describe(`an engine behind ssh:// (${f.engineName})`, () => {
  beforeAll(async () => {
    if (!existsSync(SSHD))
      throw new Error(`No ${SSHD}: install openssh-server (scripts/provision-test-engines.sh does)`);
    dir = mkdtempSync(join(tmpdir(), 'agentctl-ssh-'));
    const keygen = (file: string) =>
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, file)]);
    keygen('host_key');
    keygen('client_key');
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o600 });
    port = await freePort();
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        'ListenAddress 127.0.0.1',
        `Port ${port}`,
        `HostKey ${join(dir, 'host_key')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'UsePAM no',
        'StrictModes no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        // The remote docker client's engine: the one under test.
        `SetEnv DOCKER_HOST=${f.host}`,
        '',
      ].join('\n'),
    );
    // sshd started by root needs its privilege separation directory (the package's init script makes it).
    if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    sshd = spawn(SSHD, ['-D', '-f', join(dir, 'sshd_config'), '-E', join(dir, 'sshd.log')], { stdio: 'ignore' });
    await waitForPort(port, Date.now() + 10_000);
    const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim();
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
    writeFileSync(join(dir, 'unknown_hosts'), '');
    trusting = sshWith('trusting', join(dir, 'known_hosts'));
    distrusting = sshWith('distrusting', join(dir, 'unknown_hosts'));
    url = `ssh://${user}@127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await f.cleanUp();
    sshd?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the engine over ssh, by its own answer', async () => {
    const result = await cli(['version', '--json']);
    expect(result.stderr).toBe('');
    expect(result.json.engine).toMatchObject({
      reachable: true,
      kind: f.engineName,
      endpoint: url,
      source: 'explicit',
    });
  });

  it('runs an agent over ssh: start, ls, exec (with stdin, and a missing command), cp, logs, rm', async () => {
    const name = f.agentName('life');
    const workspace = f.workspace();
    const start = await cli([
      'start',
      name,
      '-d',
      '--workspace',
      workspace,
      '--image',
      f.image,
      '--',
      'sh',
      '-c',
      'echo hello-over-ssh; sleep 600',
    ]);
    expect(start.stderr).toContain(`agentctl attach ${name}`);
    expect(start.exitCode).toBe(0);

    const listed = await cli(['ls', '--json']);
    expect(listed.json.agents.find((agent: { name: string }) => agent.name === name)).toMatchObject({
      state: 'running',
    });

    const exec = await cli(['exec', name, '--', 'echo', 'exec-over-ssh']);
    expect(exec).toMatchObject({ exitCode: 0, stdout: 'exec-over-ssh' });
    const piped = await cli(['exec', '-i', name, '--', 'cat'], { input: 'typed-over-ssh\n' });
    expect(piped).toMatchObject({ exitCode: 0, stdout: 'typed-over-ssh' });
    // Podman refuses this exec's upgrade (409): the same clear failure as over a socket.
    const missing = await cli(['exec', name, '--', 'no-such-tool']);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain(`Command "no-such-tool" not found in agent "${name}"`);

    // cp asks the engine's archive stat (HEAD) and reads the archive (GET), both over ssh.
    const copied = join(workspace, 'copied-passwd');
    expect((await cli(['cp', `${name}:/etc/passwd`, copied])).exitCode).toBe(0);
    expect(readFileSync(copied, 'utf8')).toContain('root:');

    const logs = await cli(['logs', name]);
    expect(logs).toMatchObject({ exitCode: 0, stdout: 'hello-over-ssh' });

    const removed = await cli(['rm', '-f', name]);
    expect(removed.exitCode).toBe(0);
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
  });

  it("refuses a host whose key ssh does not know, with ssh's words and the command to check", async () => {
    const name = f.agentName('distrust');
    const result = await cli(['start', name, '-d', '--workspace', f.workspace(), '--image', f.image, '--json'], {
      path: distrusting,
    });
    expect(result.exitCode).toBe(4);
    expect(result.json.error).toMatchObject({ code: 'RUNTIME_NOT_FOUND' });
    expect(result.json.error.message).toContain('Host key verification failed');
    expect(result.json.error.hint).toContain(`\`ssh -p ${port} ${user}@127.0.0.1 docker version\``);
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
  });
});
