import { chownSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

const f = lifecycleFixture('lc');
const SECRET = `s3cret-${Math.random().toString(36).slice(2)}-value`;
const name = f.agentName('cycle');
const container = `agentctl-${name}`;
const volume = `${container}-home`;
let workspace = '';

// As root, agentctl runs the agent as the workspace's owner. A workspace owned by 1234 (a uid the
// image does not know, unlike its 1000) shows that the owner is taken from the host, and files
// made inside belong to that owner outside. As the regular test user (docker group, rootless
// Podman: scripts/test.sh), the workspace is the user's own and the agent runs as the user.
const root = process.getuid!() === 0;
const OWNER = root ? { uid: 1234, gid: 1234 } : { uid: process.getuid!(), gid: process.getgid!() };
let limitsIgnored = false;

describe(`agent lifecycle on ${f.engineName}`, () => {
  beforeAll(async () => {
    workspace = f.workspace();
    if (root) chownSync(workspace, OWNER.uid, OWNER.gid);
    limitsIgnored = await f.limitsIgnored();
  });
  afterAll(() => f.cleanUp());

  it('start -d runs the agent and prints its name', async () => {
    const result = await f.cli(
      [
        'start',
        name,
        '-d',
        '--workspace',
        workspace,
        '--image',
        f.image,
        '--secret',
        'LC_TOKEN',
        '--env',
        'PLAIN=visible',
        '--verbose',
        '--',
        'sleep',
        '600',
      ],
      { env: { LC_TOKEN: SECRET } },
    );
    expect(result.stderr).toContain(`agentctl attach ${name}`);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(name);
  });

  it('ls shows it running with its image version, workspace and limits', async () => {
    const result = await f.cli(['ls', '--json']);
    expect(result.exitCode).toBe(0);
    const agent = result.json.agents.find((a: { name: string }) => a.name === name);
    expect(agent).toMatchObject({
      state: 'running',
      imageVersion: '1.0.0',
      workspace,
      branch: null,
      // Rootless on cgroup v1 the engine drops the limits it accepted: ls says so instead of pretending.
      limits: limitsIgnored
        ? { enforced: false, ignoredBecause: expect.stringContaining('cgroup v1') }
        : { cpus: 2, memory: 4 * 1024 ** 3, pidsLimit: 512, enforced: true },
    });
    expect(agent.uptimeSeconds).toBeGreaterThanOrEqual(0);
    const table = await f.cli(['ls']);
    expect(table.stdout).toMatch(/^NAME +STATE +HEALTH +UPTIME +IMAGE +WORKSPACE +BRANCH +EGRESS +CPUS +MEMORY +PIDS/);
    const limits = limitsIgnored ? 'ignored +ignored +ignored' : '2 +4g +512';
    expect(table.stdout).toMatch(
      new RegExp(`^${name} +running +- +\\S+ +busybox:1\\.0\\.0 +${workspace} +- +open +${limits}$`, 'm'),
    );
    if (limitsIgnored) expect(table.stderr).toContain('limits ignored: rootless Podman on cgroup v1');
  });

  it('creates a hardened container: user, mounts, limits, capabilities, no engine socket, labels', async () => {
    const info = await f.docker.getContainer(container).inspect();
    expect(info.Config.User).toBe(`${OWNER.uid}:${OWNER.gid}`);
    // Docker reports CapDrop as given; Podman answers with the expanded list of what it dropped.
    if (f.engineName === 'docker') expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    else
      expect(info.HostConfig.CapDrop).toEqual(
        expect.arrayContaining(['CHOWN', 'DAC_OVERRIDE', 'NET_RAW', 'SETUID', 'SYS_CHROOT']),
      );
    expect(info.HostConfig.CapAdd ?? []).toEqual([]);
    expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges');
    // Rootless Podman on cgroup v1 keeps none of the limits it was given (what ls reports as ignored).
    expect([info.HostConfig.NanoCpus, info.HostConfig.Memory, info.HostConfig.PidsLimit]).toEqual(
      limitsIgnored ? [0, 0, 0] : [2e9, 4 * 1024 ** 3, 512],
    );
    const mounts = info.Mounts.map((m) => ({
      destination: m.Destination,
      rw: m.RW,
      type: m.Type,
      source: m.Type === 'volume' ? m.Name : m.Source,
    }));
    expect(mounts).toEqual(
      expect.arrayContaining([
        { destination: '/workspace', rw: true, type: 'bind', source: workspace },
        { destination: '/home/agent', rw: true, type: 'volume', source: volume },
      ]),
    );
    expect(JSON.stringify(info.Mounts)).not.toMatch(/docker\.sock|podman\.sock/);
    expect(info.Config.Labels).toMatchObject({
      'io.agentctl.managed': 'true',
      'io.agentctl.agent': name,
      'io.agentctl.workspace': workspace,
      'io.agentctl.image': f.image,
      'io.agentctl.image-source': 'local',
      'io.agentctl.version': expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect(info.Config.Labels['io.agentctl.image-digest']).toMatch(/sha256:/);
    expect(info.Config.Env).toEqual(
      expect.arrayContaining(['PLAIN=visible', 'HOME=/home/agent', 'LC_TOKEN_FILE=/run/secrets/LC_TOKEN']),
    );
    const processUser = await f.exec(container, ['id', '-u']);
    expect(processUser.output.trim()).toBe(String(OWNER.uid));
    // What the process really holds: an empty capability bounding set and no_new_privs.
    const status = (await f.exec(container, ['cat', '/proc/1/status'])).output;
    expect(status).toMatch(/^CapBnd:\s+0000000000000000$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
  });

  it('delivers the secret as a file, never in the inspect output', async () => {
    const read = await f.exec(container, ['cat', '/run/secrets/LC_TOKEN']);
    expect(read.output).toBe(SECRET);
    const env = await f.exec(container, ['env']);
    expect(env.output).not.toContain(SECRET);
    const info = await f.docker.getContainer(container).inspect();
    expect(JSON.stringify(info)).not.toContain(SECRET);
  });

  it('files the agent writes in the workspace belong to the workspace owner outside', async () => {
    const made = await f.exec(container, [
      'sh',
      '-c',
      'echo hi > /workspace/made-inside && echo state > "$HOME/state.txt"',
    ]);
    expect(made.exitCode).toBe(0);
    const stat = statSync(join(workspace, 'made-inside'));
    expect({ uid: stat.uid, gid: stat.gid }).toEqual(OWNER);
  });

  it('stop ends it; ls hides it unless --all', async () => {
    const result = await f.cli(['stop', name, '--timeout', '1s']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(name);
    const running = await f.cli(['ls', '--json']);
    expect(running.json.agents.map((a: { name: string }) => a.name)).not.toContain(name);
    const all = await f.cli(['ls', '--all', '--json']);
    expect(all.json.agents.find((a: { name: string }) => a.name === name)).toMatchObject({
      state: 'exited',
      uptimeSeconds: null,
    });
  });

  it('start again resumes it with its home volume', async () => {
    const result = await f.cli(['start', name, '-d', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.json.agent).toMatchObject({ name, resumed: true });
    const state = await f.exec(container, ['cat', '/home/agent/state.txt']);
    expect(state.output.trim()).toBe('state');
    expect((await f.exec(container, ['cat', '/run/secrets/LC_TOKEN'])).output).toBe(SECRET);
  });

  it('restart keeps it running', async () => {
    const result = await f.cli(['restart', name, '--timeout', '1']);
    expect(result.exitCode).toBe(0);
    const info = await f.docker.getContainer(container).inspect();
    expect(info.State.Running).toBe(true);
  });

  it('rm refuses a running agent without --force (exit 8), and keeps the home volume by default', async () => {
    const refused = await f.cli(['rm', name, '--json']);
    expect(refused.exitCode).toBe(8);
    expect(refused.json.error.code).toBe('AGENT_RUNNING');
    expect(await f.containerExists(container)).toBe(true);
    const removed = await f.cli(['rm', name, '--force']);
    expect(removed.exitCode).toBe(0);
    expect(await f.containerExists(container)).toBe(false);
    expect(await f.volumeExists(volume)).toBe(true);
  });

  it('a re-created agent finds its state again', async () => {
    const result = await f.cli([
      'start',
      name,
      '-d',
      '--workspace',
      workspace,
      '--image',
      f.image,
      '--json',
      '--',
      'sleep',
      '600',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.json.agent.resumed).toBe(false);
    expect((await f.exec(container, ['cat', '/home/agent/state.txt'])).output.trim()).toBe('state');
  });

  it('rm --volumes deletes the home volume; ls is empty of it', async () => {
    const result = await f.cli(['rm', name, '--force', '--volumes', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.json.removed).toEqual([{ name, volume }]);
    expect(await f.volumeExists(volume)).toBe(false);
    const all = await f.cli(['ls', '--all', '--json']);
    expect(all.json.agents.map((a: { name: string }) => a.name)).not.toContain(name);
  });

  it('never printed the secret in any output', () => {
    expect(f.outputs.join('\n')).not.toContain(SECRET);
  });
});
