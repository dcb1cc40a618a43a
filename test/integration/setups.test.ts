import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepository } from '../helpers/git-repo.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { readTestEngines } from '../helpers/engines.js';

// The supported setups (docs/reliability.md): root on the rootful engines (the `integration-*`
// tiers), a regular user in the docker group and a regular user with rootless Podman (the
// `integration-docker-user` and `integration-podman-rootless` tiers of scripts/test.sh, run as the
// test user). Each row is what a user of that setup would notice first.
const f = lifecycleFixture('setup');
const image = readTestEngines().debianImage;
const me = { uid: process.getuid!(), gid: process.getgid!() };
let worktreeDir = '';
const env = () => ({ AGENTCTL_WORKTREE_DIR: worktreeDir });

/** The agent's request for the ssh-agent's identities (SSH_AGENTC_REQUEST_IDENTITIES): the reply type, 12 when it answered. */
const ASK_SSH_AGENT =
  'perl -MIO::Socket::UNIX -e \'$s=IO::Socket::UNIX->new(Peer=>"/run/ssh-agent.sock") or die "connect: $!\\n"; print $s pack("NC",1,11); read($s,$b,5) or die "read: $!\\n"; print "reply ", (unpack("NC",$b))[1], "\\n"\'';

let sshAgent: { socket: string; pid: string } | undefined;
function startSshAgent(): { socket: string; pid: string } {
  const output = execFileSync('ssh-agent', ['-s'], { encoding: 'utf8' });
  const socket = /SSH_AUTH_SOCK=([^;]+);/.exec(output)?.[1];
  const pid = /SSH_AGENT_PID=(\d+);/.exec(output)?.[1];
  if (!socket || !pid) throw new Error(`ssh-agent printed no socket: ${output}`);
  return { socket, pid };
}

async function inContainer(name: string, script: string): Promise<string> {
  const result = await f.exec(`agentctl-${name}`, ['sh', '-c', script]);
  expect(result.exitCode, result.output).toBe(0);
  return result.output;
}

describe(`supported setups on ${f.engineName} (${f.setup})`, () => {
  beforeAll(() => {
    worktreeDir = join(f.workspace(), 'worktrees');
    sshAgent = startSshAgent();
  });
  afterAll(async () => {
    if (sshAgent) process.kill(Number(sshAgent.pid));
    await f.cleanUp();
  });

  // Only the rows of the setup this run is in: the others run in their own tiers (no skipped tests).
  if (f.setup === 'root')
    describe('root on a root-owned checkout (CI containers, sudo)', () => {
      it('the agent writes /workspace, its files belong to root on the host, and git commits inside', async () => {
        const repo = makeRepository(join(f.workspace(), 'checkout'));
        chmodSync(repo, 0o700);
        expect(statSync(repo).uid).toBe(0);
        const name = f.agentName('root');
        const started = await f.cli(
          ['start', name, '-d', '--json', '--workspace', repo, '--image', image, '--', 'sleep', '600'],
          { env: env() },
        );
        expect(started.exitCode, started.stderr).toBe(0);
        expect(started.json.agent.user).toBe('0:0');
        const output = await inContainer(
          name,
          'id -u && cat /proc/self/status | grep ^CapEff && cd /workspace && echo made > made.txt && git add made.txt && git commit -q -m "made inside" && git --no-pager log --format=%s -1',
        );
        expect(output).toMatch(/^0\n/);
        // uid 0 without any capability: held to file permissions like any user.
        expect(output).toMatch(/^CapEff:\s+0000000000000000$/m);
        expect(output.trim().split('\n').pop()).toBe('made inside');
        const made = statSync(join(repo, 'made.txt'));
        expect({ uid: made.uid, gid: made.gid }).toEqual({ uid: 0, gid: 0 });
        // The commit is the agent's: agentctl brings it back by fetch (ls shows it unmerged).
        const listed = await f.cli(['ls', '--json'], { env: env() });
        expect(listed.json.agents.find((agent: { name: string }) => agent.name === name).worktree).toMatchObject({
          unmerged: 1,
        });
      });

      it('a worktree agent writes and commits in its worktree too', async () => {
        const repo = makeRepository(join(f.workspace(), 'checkout'));
        const name = f.agentName('root-wt');
        const started = await f.cli(
          ['start', name, '-d', '--json', '--worktree', '--workspace', repo, '--image', image, '--', 'sleep', '600'],
          { env: env() },
        );
        expect(started.exitCode, started.stderr).toBe(0);
        const output = await inContainer(
          name,
          'cd /workspace && echo wt > wt.txt && git add wt.txt && git commit -q -m "in the worktree" && git --no-pager log --format=%s -1',
        );
        expect(output.trim()).toBe('in the worktree');
        expect(statSync(join(started.json.agent.worktree, 'wt.txt')).uid).toBe(0);
      });

      it('doctor says agents started in a root-owned checkout run as 0:0 and can write it', async () => {
        const dir = f.workspace();
        const result = await f.cli(['doctor', '--json'], { cwd: dir });
        const workspace = result.json.checks.find((check: { id: string }) => check.id === 'workspace');
        expect(workspace).toMatchObject({ status: 'ok', details: { user: '0:0' } });
      });

      it("start --ssh refuses root's ssh-agent for an agent that runs as the checkout's owner (no unusable socket), and doctor warns", async () => {
        const dir = f.workspace();
        chownSync(dir, 1234, 1234);
        const name = f.agentName('ssh-refused');
        const result = await f.cli(
          ['start', name, '-d', '--json', '--ssh', '--workspace', dir, '--image', f.image, '--', 'sleep', '600'],
          { env: { SSH_AUTH_SOCK: sshAgent!.socket } },
        );
        expect(result.exitCode).toBe(2);
        expect(result.json.error).toMatchObject({
          code: 'SSH_AGENT_UNUSABLE',
          hint: expect.stringContaining('without --ssh'),
        });
        expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
        const doctor = await f.cli(['doctor', '--json'], { cwd: dir, env: { SSH_AUTH_SOCK: sshAgent!.socket } });
        expect(doctor.json.checks.find((check: { id: string }) => check.id === 'ssh-agent')).toMatchObject({
          status: 'warn',
          message: expect.stringContaining('uid 1234'),
        });
      });

      it('start --ssh as root on its own checkout: the agent (uid 0) can use the socket', async () => {
        const name = f.agentName('root-ssh');
        const started = await f.cli(
          ['start', name, '-d', '--ssh', '--workspace', f.workspace(), '--image', image, '--', 'sleep', '600'],
          { env: { SSH_AUTH_SOCK: sshAgent!.socket } },
        );
        expect(started.exitCode, started.stderr).toBe(0);
        expect((await inContainer(name, ASK_SSH_AGENT)).trim()).toBe('reply 12');
      });
    });

  if (f.setup !== 'root')
    describe('a regular user (docker group, or rootless Podman)', () => {
      it("the agent writes a 0700 workspace the user owns, and its files are the user's", async () => {
        const dir = f.workspace();
        chmodSync(dir, 0o700);
        const name = f.agentName('user');
        const started = await f.cli([
          'start',
          name,
          '-d',
          '--json',
          '--verbose',
          '--workspace',
          dir,
          '--image',
          f.image,
          '--',
          'sleep',
          '600',
        ]);
        expect(started.exitCode, started.stderr).toBe(0);
        expect(started.json.agent.user).toBe(`${me.uid}:${me.gid}`);
        if (f.setup === 'podman-rootless') expect(started.stderr).toContain('(userns keep-id)');
        expect((await inContainer(name, 'echo hi > /workspace/made && id -u')).trim()).toBe(String(me.uid));
        const made = statSync(join(dir, 'made'));
        expect({ uid: made.uid, gid: made.gid }).toEqual(me);
      });

      it("start --ssh forwards the user's ssh-agent, and the agent can use it", async () => {
        const name = f.agentName('ssh');
        const started = await f.cli(
          ['start', name, '-d', '--ssh', '--workspace', f.workspace(), '--image', image, '--', 'sleep', '600'],
          { env: { SSH_AUTH_SOCK: sshAgent!.socket } },
        );
        expect(started.exitCode, started.stderr).toBe(0);
        expect((await inContainer(name, ASK_SSH_AGENT)).trim()).toBe('reply 12');
      });

      it('a workspace the agent could not write is refused with a hint, never mounted read-only in effect', async () => {
        const dir = join(f.workspace(), 'locked');
        mkdirSync(dir, { mode: 0o555 });
        const name = f.agentName('locked');
        const result = await f.cli([
          'start',
          name,
          '-d',
          '--json',
          '--workspace',
          dir,
          '--image',
          f.image,
          '--',
          'sleep',
          '600',
        ]);
        expect(result.exitCode).toBe(2);
        expect(result.json.error).toMatchObject({
          code: 'WORKSPACE_NOT_WRITABLE',
          hint: expect.stringContaining('--read-only'),
        });
        expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
        const doctor = await f.cli(['doctor', '--json'], { cwd: dir });
        expect(doctor.json.checks.find((check: { id: string }) => check.id === 'workspace')).toMatchObject({
          status: 'warn',
        });
        const readOnly = await f.cli([
          'start',
          name,
          '-d',
          '--read-only',
          '--workspace',
          dir,
          '--image',
          f.image,
          '--',
          'sleep',
          '600',
        ]);
        expect(readOnly.exitCode, readOnly.stderr).toBe(0);
      });

      it('doctor tells whether the engine enforces limits (rootless on cgroup v1 does not)', async () => {
        const ignored = await f.limitsIgnored();
        const result = await f.cli(['doctor', '--json'], { cwd: f.workspace() });
        expect(result.json.checks.find((check: { id: string }) => check.id === 'limits')).toMatchObject(
          ignored ? { status: 'warn', details: { enforced: false } } : { status: 'ok', details: { enforced: true } },
        );
        const workspace = result.json.checks.find((check: { id: string }) => check.id === 'workspace');
        expect(workspace).toMatchObject({
          status: 'ok',
          details: { user: `${me.uid}:${me.gid}`, ...(f.setup === 'podman-rootless' ? { userns: 'keep-id' } : {}) },
        });
        if (f.setup === 'podman-rootless')
          expect(result.json.checks.find((check: { id: string }) => check.id === 'engine').details.rootless).toBe(true);
      });
    });
});
