import { chmodSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { AgentSpec } from '../../runtime/agent-spec.js';
import { toDockerCreateBody } from '../../runtime/docker-create-body.js';
import { fakeDetails, fakeRuntime as strictRuntime } from '../../../test/helpers/fake-runtime.js';
import type { EngineInfo } from '../../runtime/engine-operations.js';
import { prepareAgent, startAgent } from './start-agent.js';
import type { StartAgentDeps } from './start-agent-types.js';
import type { StartAgentOptions } from './start-options.js';

interface Fake {
  kind?: 'docker' | 'podman';
  /** GET /info answers, in order (the last one repeats). */
  infos?: Partial<EngineInfo>[];
  /** What the engine records as the container's OCI runtime. */
  recordedRuntime?: string;
}

/** A strict engine fake: an operation this test did not expect throws. */
function fakeRuntime(fake: Fake = {}) {
  const calls: string[] = [];
  const specs: AgentSpec[] = [];
  let infoCalls = 0;
  const kind = fake.kind ?? 'docker';
  const runtime = strictRuntime({
    kind,
    capabilities: {
      bindMounts: true,
      pullsOnStart: false,
      cluster: false,
      rootlessUsers: kind === 'podman' ? 'keep-host-ids' : 'root-is-host-user',
    },
    version: { kind, version: '27.0.0', apiVersion: '1.46' },
    async fetchEngineInfo(): Promise<EngineInfo> {
      calls.push('info');
      const infos = fake.infos ?? [{}];
      const extra = infos[Math.min(infoCalls++, infos.length - 1)];
      return {
        name: 'h',
        storageRoot: '/var/lib/docker',
        storageDriver: 'overlay2',
        rootless: false,
        securityOptions: [],
        ...extra,
      };
    },
    async inspectContainer(name: string) {
      calls.push(`inspect ${name}`);
      if (name === 'c1') return fakeDetails({ user: '501:20' });
      return undefined;
    },
    async listContainers() {
      return [];
    },
    async createVolume(name: string) {
      calls.push(`createVolume ${name}`);
      return true;
    },
    async createContainer(spec: AgentSpec) {
      calls.push(`createContainer ${spec.name}`);
      specs.push(spec);
      return { id: 'c1' };
    },
    async fetchOciRuntime(id: string) {
      calls.push(`fetchOciRuntime ${id}`);
      return fake.recordedRuntime;
    },
    async startContainer(id: string) {
      calls.push(`start ${id}`);
    },
    async removeContainer(id: string) {
      calls.push(`removeContainer ${id}`);
    },
    async removeVolume(name: string) {
      calls.push(`removeVolume ${name}`);
    },
  });
  return { runtime, calls, specs };
}

function deps(
  runtime: ContainerRuntime,
  config: StartAgentDeps['config'] = { worktree: 'never' },
): StartAgentDeps & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    cwd: tmpdir(),
    env: {},
    platform: 'linux',
    config,
    homedir: writableByAnyone(mkdtempSync(join(tmpdir(), 'agentctl-home-'))),
    runtime: async () => runtime,
    resolveImage: async () => ({
      reference: 'agentctl-test/busybox:1.0.0',
      source: 'local',
      id: 'sha256:img',
      digest: null,
    }),
    registerSecret: () => undefined,
    log: () => undefined,
    warn: (message) => warnings.push(message),
    hostUser: { uid: 501, gid: 20 },
    warnings,
  };
}

function options(overrides: Partial<StartAgentOptions> = {}): StartAgentOptions {
  return {
    name: 'x',
    workspace: writableByAnyone(mkdtempSync(join(tmpdir(), 'agentctl-start-'))),
    detach: true,
    readOnly: false,
    env: [],
    envFiles: [],
    secrets: [],
    ssh: false,
    dockerAccess: 'none',
    waitTimeoutMs: 5000,
    ...overrides,
  };
}

describe('start: the OCI runtime asked for', () => {
  it('refuses one the engine does not list before anything is made (asking the engine again, not only the cache)', async () => {
    const fake = fakeRuntime({ infos: [{ runtimes: ['runc'] }] });
    const error = await startAgent(deps(fake.runtime), options({ ociRuntime: 'bogus' })).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: 'OCI_RUNTIME_UNKNOWN',
      kind: 'usage',
      message: 'The Docker engine has no OCI runtime "bogus" (it knows: runc)',
    });
    expect(fake.calls.filter((call) => call === 'info')).toHaveLength(2);
    expect(fake.calls.some((call) => call.startsWith('create'))).toBe(false);
  });

  it('accepts one that a fresh answer lists when the cached one did not (runtimes reloaded)', async () => {
    const fake = fakeRuntime({
      infos: [{ runtimes: ['runc'] }, { runtimes: ['runc', 'runsc'] }],
      recordedRuntime: 'runsc',
    });
    await expect(startAgent(deps(fake.runtime), options({ ociRuntime: 'runsc' }))).resolves.toMatchObject({
      name: 'x',
    });
    expect(fake.specs[0]!.ociRuntime).toBe('runsc');
    expect(toDockerCreateBody(fake.specs[0]!, 'docker').HostConfig.Runtime).toBe('runsc');
  });

  it('removes the container and fails when the engine recorded another runtime (Podman compat API)', async () => {
    const fake = fakeRuntime({
      kind: 'podman',
      infos: [{ runtimes: ['crun', 'runc', 'runsc'] }],
      recordedRuntime: 'runc',
    });
    const error = await startAgent(deps(fake.runtime), options({ ociRuntime: 'runsc' })).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: 'OCI_RUNTIME_NOT_APPLIED',
      kind: 'engine',
      message: 'The Podman engine would run the agent on runc, not on the OCI runtime "runsc" asked for',
    });
    expect((error as { hint: string }).hint).toContain('containers.conf');
    expect(fake.calls).toContain('removeContainer c1');
    expect(fake.calls).toContain('removeVolume agentctl-x-home');
    expect(fake.calls).not.toContain('start c1');
  });

  it('uses config ociRuntime when no flag is given, and checks it the same way', async () => {
    const fake = fakeRuntime({ infos: [{ runtimes: ['runc'] }], recordedRuntime: 'runc' });
    await startAgent(deps(fake.runtime, { worktree: 'never', ociRuntime: 'runc' }), options());
    expect(fake.calls).toContain('fetchOciRuntime c1');
  });

  it('asks nothing about runtimes when none is asked for', async () => {
    const fake = fakeRuntime();
    await startAgent(deps(fake.runtime), options());
    expect(fake.calls).not.toContain('fetchOciRuntime c1');
  });
});

describe('start: loosenings are always told', () => {
  it('warns about --network host and lists it in the result', async () => {
    const fake = fakeRuntime();
    const d = deps(fake.runtime);
    const started = await startAgent(d, options({ network: 'host' }));
    expect(started.loosened).toEqual([{ kind: 'network-host', value: 'host' }]);
    expect(d.warnings).toEqual([expect.stringMatching(/^agent x shares the host's network \(--network host\)/)]);
  });

  it('warns about network host from config as well, and about added capabilities', async () => {
    const fake = fakeRuntime();
    const d = deps(fake.runtime, {
      worktree: 'never',
      network: 'host',
      defaultAgent: 'p',
      agents: { p: { image: 'i', capabilities: ['net_admin'] } },
    });
    const started = await startAgent(d, options());
    expect(started.loosened).toEqual([
      { kind: 'network-host', value: 'host' },
      { kind: 'capability', value: 'NET_ADMIN' },
    ]);
    expect(d.warnings).toHaveLength(2);
  });

  it('says nothing for the hardened default', async () => {
    const fake = fakeRuntime();
    const d = deps(fake.runtime);
    expect((await startAgent(d, options())).loosened).toEqual([]);
    expect(d.warnings).toEqual([]);
  });

  it('warns about a workspace let through by --allow-unsafe-workspace', async () => {
    const fake = fakeRuntime();
    const d = deps(fake.runtime);
    const started = await startAgent(d, options({ workspace: d.homedir, allowUnsafeWorkspace: true }));
    expect(started.loosened).toEqual([{ kind: 'unsafe-workspace', value: `${d.homedir} is your home directory` }]);
    expect(d.warnings).toEqual([expect.stringContaining('--allow-unsafe-workspace')]);
  });
});

describe('start: the workspace', () => {
  it('refuses the home directory before the image is resolved or anything made', async () => {
    const fake = fakeRuntime();
    const d = deps(fake.runtime);
    await expect(prepareAgent(d, options({ workspace: d.homedir }))).rejects.toMatchObject({
      code: 'WORKSPACE_UNSAFE',
      kind: 'usage',
    });
    expect(fake.calls).toEqual(['info', 'inspect agentctl-x']);
  });

  it("refuses --workspace '' instead of taking the current directory", async () => {
    const fake = fakeRuntime();
    await expect(prepareAgent(deps(fake.runtime), options({ workspace: '' }))).rejects.toMatchObject({
      code: 'WORKSPACE_EMPTY',
      kind: 'usage',
    });
    expect(fake.calls).toEqual([]);
  });

  it('mounts where a symlinked workspace leads, and names the agent after the link', async () => {
    const fake = fakeRuntime();
    const target = writableByAnyone(mkdtempSync(join(tmpdir(), 'agentctl-target-')));
    const link = join(mkdtempSync(join(tmpdir(), 'agentctl-links-')), 'my-project');
    symlinkSync(target, link);
    const started = await startAgent(deps(fake.runtime), options({ name: undefined, workspace: link }));
    expect(started.name).toBe('my-project');
    expect(toDockerCreateBody(fake.specs[0]!, 'docker').HostConfig.Binds[0]).toBe(`${target}:/workspace:rw`);
  });

  it("refuses the engine's storage root as the engine reports it", async () => {
    const storage = mkdtempSync(join(tmpdir(), 'agentctl-storage-'));
    const fake = fakeRuntime({ infos: [{ storageRoot: storage }] });
    await expect(
      startAgent(deps(fake.runtime), options({ workspace: storage, allowUnsafeWorkspace: true })),
    ).rejects.toMatchObject({ code: 'WORKSPACE_PROTECTED', message: expect.stringContaining("the engine's storage") });
    expect(fake.calls.some((call) => call.startsWith('create'))).toBe(false);
  });
});

/** The fake host user (501) must be able to write the workspace: start refuses one it could not. */
function writableByAnyone(dir: string): string {
  chmodSync(dir, 0o777);
  return dir;
}

describe('start: an engine that lists no runtimes at all', () => {
  it('still refuses an unknown one with a hint that makes sense', async () => {
    const fake = fakeRuntime({ infos: [{ runtimes: [] }] });
    const error = await startAgent(deps(fake.runtime), options({ ociRuntime: 'runsc' })).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: 'OCI_RUNTIME_UNKNOWN',
      message: 'The Docker engine has no OCI runtime "runsc" (it knows: none)',
      hint: 'To use it, register "runsc" under "runtimes" in the engine\'s daemon.json and reload the engine',
    });
  });
});
