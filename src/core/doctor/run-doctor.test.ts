import { describe, expect, it } from 'vitest';
import { ConfigError, RuntimeNotFoundError } from '../../shared/errors.js';
import type { EngineInfo } from '../../runtime/engine-operations.js';
import type { LocalImage } from '../../runtime/image-operations.js';
import type { DoctorDeps } from './check.js';
import { registryHostOf } from './image-check.js';
import { runDoctor } from './run-doctor.js';

const GB = 1024 ** 3;
const info: EngineInfo = {
  name: 'devbox',
  storageRoot: '/var/lib/docker',
  storageDriver: 'overlay2',
  rootless: false,
  securityOptions: ['name=seccomp,profile=default'],
  cgroupVersion: '2',
};

function fakeDeps(overrides: {
  info?: Partial<EngineInfo>;
  image?: LocalImage | undefined;
  connectError?: Error;
  configError?: Error;
  free?: Record<string, number>;
  socketMode?: number;
  canReadWrite?: boolean;
  registry?: number | Error;
  git?: boolean;
  env?: NodeJS.ProcessEnv;
  url?: string;
  kind?: 'docker' | 'podman';
  cwd?: { path: string; uid: number; gid: number; mode: number };
  hostUser?: { uid: number; gid: number };
  sshSocket?: { uid: number; gid: number; mode: number };
}): DoctorDeps {
  const runtime = {
    kind: overrides.kind ?? 'docker',
    capabilities: { bindMounts: true },
    version: { kind: 'docker', version: '27.0.1', apiVersion: '1.46' },
    endpoint: { url: overrides.url ?? 'unix:///var/run/docker.sock', source: 'default-socket' },
    fetchEngineInfo: async () => ({ ...info, ...overrides.info }),
    inspectImage: async () => overrides.image,
  };
  const config = { config: {}, sources: new Map(), files: {} };
  return {
    env: overrides.env ?? { SSH_AUTH_SOCK: '/tmp/agent.sock' },
    platform: 'linux',
    hostname: 'devbox',
    ...(overrides.cwd ? { cwd: overrides.cwd.path } : {}),
    ...(overrides.hostUser ? { hostUser: overrides.hostUser } : {}),
    connect: async () => {
      if (overrides.configError) throw overrides.configError;
      if (overrides.connectError) throw overrides.connectError;
      return { runtime: runtime as never, detected: { strategy: 'default-socket', attempts: [] } as never };
    },
    config: async () => {
      if (overrides.configError) throw overrides.configError;
      return config;
    },
    fs: {
      stat: async (path) => {
        if (path === '/tmp/agent.sock')
          return { mode: 0o140600, uid: 1000, gid: 1000, isSocket: true, ...overrides.sshSocket };
        if (overrides.cwd && path === overrides.cwd.path)
          return { mode: overrides.cwd.mode, uid: overrides.cwd.uid, gid: overrides.cwd.gid, isSocket: false };
        if (path === '/var/run/docker.sock')
          return { mode: overrides.socketMode ?? 0o140660, uid: 0, gid: 999, isSocket: true };
        if (path === '/tmp/not-a-socket') return { mode: 0o100600, uid: 1000, gid: 1000, isSocket: false };
        return undefined;
      },
      canReadWrite: async () => overrides.canReadWrite ?? true,
      freeBytes: async (path) => {
        const free = (overrides.free ?? { '/var/lib/docker': 50 * GB })[path];
        if (free === undefined) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
        return free;
      },
    },
    exec: async (file, args) => {
      expect([file, ...args]).toEqual(['git', '--version']);
      if (overrides.git === false) throw Object.assign(new Error('spawn git ENOENT'), { code: 'ENOENT' });
      return { stdout: 'git version 2.45.1\n' };
    },
    fetchStatus: async (url) => {
      expect(url).toBe('https://ghcr.io/v2/');
      const answer = overrides.registry ?? 401;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

const byId = (report: Awaited<ReturnType<typeof runDoctor>>) => Object.fromEntries(report.checks.map((c) => [c.id, c]));
const present: LocalImage = {
  id: 'sha256:0123456789abcdef',
  repoTags: [],
  repoDigests: [],
  labels: {},
  size: 1,
  created: '',
};

describe('runDoctor', () => {
  it('passes a healthy setup and says where the engine was found and how it runs', async () => {
    const report = await runDoctor(fakeDeps({ image: present }));
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['engine', 'ok'],
      ['socket', 'ok'],
      ['image', 'ok'],
      ['disk', 'ok'],
      ['limits', 'ok'],
      ['egress', 'skip'],
      ['config', 'ok'],
      ['git', 'ok'],
      ['ssh-agent', 'ok'],
    ]);
    const checks = byId(report);
    expect(checks.engine!.details).toMatchObject({
      strategy: 'default-socket',
      kind: 'docker',
      version: '27.0.1',
      apiVersion: '1.46',
      rootless: false,
    });
    expect(checks.engine!.message).toContain('rootful');
    expect(checks.image!.message).toContain('is present (0123456789ab)');
  });

  it('fails the engine and socket checks on permission denied, skipping what needs the engine', async () => {
    const error = new RuntimeNotFoundError('RUNTIME_NOT_FOUND', 'No container engine found', {
      hint: 'Add your user to the docker group',
      details: {
        attempts: [
          {
            strategy: 'default-socket',
            endpoint: 'unix:///var/run/docker.sock',
            outcome: 'permission-denied',
            detail: '',
          },
        ],
      },
    });
    const checks = byId(await runDoctor(fakeDeps({ connectError: error })));
    expect(checks.engine).toMatchObject({ status: 'fail', fix: 'Add your user to the docker group' });
    expect(checks.socket).toMatchObject({ status: 'fail', fix: expect.stringContaining('usermod -aG docker') });
    expect([checks.image!.status, checks.disk!.status]).toEqual(['skip', 'skip']);
  });

  it('accepts a missing image when its registry answers (401 counts), and fails when it does not', async () => {
    expect(byId(await runDoctor(fakeDeps({ registry: 401 }))).image).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('ghcr.io is reachable'),
    });
    const down = byId(await runDoctor(fakeDeps({ registry: new Error('ENOTFOUND') })));
    expect(down.image).toMatchObject({ status: 'fail', message: expect.stringContaining('ENOTFOUND') });
    expect(byId(await runDoctor(fakeDeps({ registry: 503 }))).image!.status).toBe('fail');
  });

  it('warns under 5 GB and fails under 1 GB free where images live', async () => {
    expect(byId(await runDoctor(fakeDeps({ image: present, free: { '/var/lib/docker': 3 * GB } }))).disk!.status).toBe(
      'warn',
    );
    const report = await runDoctor(fakeDeps({ image: present, free: { '/var/lib/docker': 0.5 * GB } }));
    expect(report.ok).toBe(false);
    expect(byId(report).disk).toMatchObject({ status: 'fail', fix: expect.stringContaining('docker system prune') });
  });

  it('measures at the nearest readable parent of a closed storage root', async () => {
    const disk = byId(await runDoctor(fakeDeps({ free: { '/var/lib': 20 * GB } }))).disk!;
    expect(disk).toMatchObject({ status: 'ok', details: { measuredAt: '/var/lib' } });
  });

  it('does not measure this machine for an engine in a VM', async () => {
    const disk = byId(await runDoctor(fakeDeps({ info: { name: 'colima' } }))).disk!;
    expect(disk.status).toBe('skip');
  });

  it('reports an invalid config with its message and hint, and does not look for the engine', async () => {
    const error = new ConfigError('CONFIG_INVALID', '.agentctlrc: runtime: expected "docker" or "podman"', {
      hint: 'Fix runtime in .agentctlrc',
    });
    const report = await runDoctor(fakeDeps({ configError: error }));
    const checks = byId(report);
    expect(report.ok).toBe(false);
    expect(checks.config).toMatchObject({ status: 'fail', message: error.message, fix: 'Fix runtime in .agentctlrc' });
    expect(checks.engine!.status).toBe('skip');
  });

  it('fails without git and warns without an ssh-agent', async () => {
    const checks = byId(await runDoctor(fakeDeps({ git: false, env: {} })));
    expect(checks.git).toMatchObject({ status: 'fail', fix: expect.stringContaining('Install git') });
    expect(checks['ssh-agent']).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('SSH_AUTH_SOCK is not set'),
    });
    const notSocket = byId(await runDoctor(fakeDeps({ env: { SSH_AUTH_SOCK: '/tmp/not-a-socket' } })));
    expect(notSocket['ssh-agent']!.status).toBe('warn');
  });

  it('warns about a socket every user may write to, and fails one this user may not use', async () => {
    expect(byId(await runDoctor(fakeDeps({ socketMode: 0o140666 }))).socket).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('chmod 660'),
    });
    expect(byId(await runDoctor(fakeDeps({ canReadWrite: false }))).socket!.status).toBe('fail');
  });

  it('warns about plain tcp:// to another host', async () => {
    const socket = byId(await runDoctor(fakeDeps({ url: 'tcp://10.0.0.5:2375' }))).socket!;
    expect(socket).toMatchObject({ status: 'warn', fix: expect.stringContaining('TLS') });
  });
});

describe('runDoctor: what an agent started here could do', () => {
  it('warns that rootless Podman on cgroup v1 ignores limits (it accepts them and applies none)', async () => {
    const report = await runDoctor(fakeDeps({ kind: 'podman', info: { rootless: true, cgroupVersion: '1' } }));
    expect(byId(report).limits).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('rootless Podman on cgroup v1'),
      details: { enforced: false },
    });
    expect(byId(await runDoctor(fakeDeps({ info: { rootless: false, cgroupVersion: '1' } }))).limits).toMatchObject({
      status: 'ok',
      details: { enforced: true },
    });
  });

  it("says when an agent started here could not write the directory (a regular user on root's checkout)", async () => {
    const checks = byId(
      await runDoctor(
        fakeDeps({ cwd: { path: '/srv/app', uid: 0, gid: 0, mode: 0o40755 }, hostUser: { uid: 1500, gid: 1500 } }),
      ),
    );
    expect(checks.workspace).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('could not write the workspace /srv/app'),
      fix: expect.stringContaining('--read-only'),
    });
  });

  it('passes root on a root-owned checkout: the agent runs as uid 0 without capabilities and can write it', async () => {
    const checks = byId(
      await runDoctor(fakeDeps({ cwd: { path: '/src', uid: 0, gid: 0, mode: 0o40755 }, hostUser: { uid: 0, gid: 0 } })),
    );
    expect(checks.workspace).toMatchObject({ status: 'ok', details: { user: '0:0' } });
  });

  it("warns that --ssh would be refused when the agent's uid cannot use the ssh-agent socket", async () => {
    const deps = fakeDeps({
      cwd: { path: '/home/ada/app', uid: 1234, gid: 1234, mode: 0o40755 },
      hostUser: { uid: 0, gid: 0 },
      sshSocket: { uid: 0, gid: 0, mode: 0o140600 },
    });
    expect(byId(await runDoctor(deps))['ssh-agent']).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('not usable by agents started here (uid 1234)'),
    });
    const own = fakeDeps({
      cwd: { path: '/home/ada/app', uid: 1234, gid: 1234, mode: 0o40755 },
      hostUser: { uid: 1234, gid: 1234 },
      sshSocket: { uid: 1234, gid: 1234, mode: 0o140600 },
    });
    expect(byId(await runDoctor(own))['ssh-agent']!.status).toBe('ok');
  });
});

describe('registryHostOf', () => {
  it('names the registry a reference pulls from', () => {
    expect(registryHostOf('ghcr.io/agentctl/agent:0.1.0')).toBe('ghcr.io');
    expect(registryHostOf('127.0.0.1:5000/agentctl-test/busybox:1.0.0')).toBe('127.0.0.1:5000');
    expect(registryHostOf('library/node:22')).toBe('registry-1.docker.io');
    expect(registryHostOf('node:22')).toBe('registry-1.docker.io');
  });
});
