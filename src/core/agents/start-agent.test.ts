import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConflictError, EngineError, ImageError } from '../../shared/errors.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { AgentSpec } from '../../runtime/agent-spec.js';
import type { ContainerDetails } from '../../runtime/container-operations.js';
import { fakeDetails, fakeRuntime as strictRuntime } from '../../../test/helpers/fake-runtime.js';
import { prepareAgent, startAgent } from './start-agent.js';
import type { StartAgentDeps } from './start-agent-types.js';
import type { StartAgentOptions } from './start-options.js';

interface FakeOptions {
  existing?: Partial<ContainerDetails>;
  volumeExists?: boolean;
  /** The labels of the volume that exists (default: those agentctl gives agent x's home). */
  volumeLabels?: Record<string, string>;
  fail?: Partial<Record<'createContainer' | 'startContainer' | 'resolveImage', Error>>;
  /** State reported after start. */
  afterStart?: Partial<ContainerDetails>;
  /** The engine's CPU count (GET /info NCPU). */
  engineCpus?: number;
}

function fakeRuntime(options: FakeOptions = {}) {
  const calls: string[] = [];
  const specs: AgentSpec[] = [];
  const details = fakeDetails;
  let started = false;
  const runtime = strictRuntime({
    async fetchEngineInfo() {
      return {
        name: 'h',
        storageRoot: '/var/lib/docker',
        storageDriver: 'overlay2',
        rootless: false,
        securityOptions: ['name=seccomp,profile=default'],
        ...(options.engineCpus ? { cpus: options.engineCpus } : {}),
      };
    },
    async inspectContainer(name: string) {
      calls.push(`inspect ${name}`);
      if (!started) return options.existing ? details(options.existing) : undefined;
      return details({ state: 'running', ...options.afterStart });
    },
    async listContainers() {
      return [];
    },
    async createVolume(name: string) {
      calls.push(`createVolume ${name}`);
      return !options.volumeExists;
    },
    async inspectVolume(name: string) {
      calls.push(`inspectVolume ${name}`);
      if (!options.volumeExists) return undefined;
      const labels = options.volumeLabels ?? {
        'io.agentctl.managed': 'true',
        'io.agentctl.kind': 'home',
        'io.agentctl.agent': 'x',
      };
      return { name, labels };
    },
    async createContainer(spec: AgentSpec) {
      calls.push(`createContainer ${spec.name}`);
      specs.push(spec);
      if (options.fail?.createContainer) throw options.fail.createContainer;
      return { id: 'c1' };
    },
    async fetchOciRuntime() {
      return undefined;
    },
    async startContainer(id: string) {
      calls.push(`start ${id}`);
      if (options.fail?.startContainer) throw options.fail.startContainer;
      started = true;
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
  fail?: Error,
  env: NodeJS.ProcessEnv = {},
): StartAgentDeps & { secrets: string[] } {
  const secrets: string[] = [];
  return {
    cwd: tmpdir(),
    env,
    platform: 'linux',
    config: { worktree: 'never' },
    homedir: tmpdir(),
    runtime: async () => runtime,
    resolveImage: async () => {
      if (fail) throw fail;
      return { reference: 'agentctl-test/busybox:1.0.0', source: 'local', id: 'sha256:img', digest: null };
    },
    registerSecret: (value) => secrets.push(value),
    log: () => undefined,
    hostUser: { uid: 501, gid: 20 },
    secrets,
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

describe('startAgent', () => {
  it('creates the volume, then the container with its secrets as files (never in the environment), then starts', async () => {
    const fake = fakeRuntime();
    const d = deps(fake.runtime, undefined, { TOKEN: 'secret-value-1' });
    const started = await startAgent(d, options({ secrets: ['TOKEN'] }));
    expect(started).toMatchObject({ name: 'x', container: 'agentctl-x', resumed: false, user: '501:20' });
    expect(fake.calls).toEqual([
      'inspect agentctl-x',
      'createVolume agentctl-x-home',
      'createContainer agentctl-x',
      'start c1',
      'inspect c1',
    ]);
    const spec = fake.specs[0]!;
    expect(JSON.stringify({ ...spec, files: [] })).not.toContain('secret-value-1');
    expect(spec.files).toEqual([
      {
        dir: '/run/secrets',
        mode: 0o500,
        files: [{ name: 'TOKEN', mode: 0o400, content: Buffer.from('secret-value-1') }],
      },
    ]);
    expect(spec.env).toContainEqual({ name: 'TOKEN_FILE', value: '/run/secrets/TOKEN' });
    expect(d.secrets).toContain('secret-value-1');
  });

  it('on a 1-CPU engine the default 2 CPUs shrink to 1 with a note; a --cpus above the engine is refused before anything is made', async () => {
    const fake = fakeRuntime({ engineCpus: 1 });
    const notes: string[] = [];
    await startAgent({ ...deps(fake.runtime), warn: (message: string) => notes.push(message) }, options());
    expect(fake.specs[0]?.limits.cpus).toBe(1);
    expect(notes.join('\n')).toContain('the agent gets 1 instead of the default 2');
    const refused = fakeRuntime({ engineCpus: 1 });
    await expect(startAgent(deps(refused.runtime), options({ cpus: '2' }))).rejects.toMatchObject({
      code: 'INVALID_CPUS',
    });
    expect(refused.calls.filter((call) => call.startsWith('create'))).toEqual([]);
  });

  it('resolves the image before creating anything', async () => {
    const fake = fakeRuntime();
    const error = new ImageError('IMAGE_NOT_FOUND', 'no image', { hint: 'pull it' });
    await expect(startAgent(deps(fake.runtime, error), options())).rejects.toBe(error);
    expect(fake.calls).toEqual(['inspect agentctl-x']);
  });

  it('removes the container and the volume it made when a step after create fails', async () => {
    const fake = fakeRuntime({
      fail: { startContainer: new EngineError('ENGINE_FAILED', 'disk full', { hint: 'h' }) },
    });
    await expect(startAgent(deps(fake.runtime), options())).rejects.toMatchObject({ code: 'ENGINE_FAILED' });
    expect(fake.calls.slice(-2)).toEqual(['removeContainer c1', 'removeVolume agentctl-x-home']);
  });

  it('removes a container the runtime made and could not remove itself (the engine went away mid-create)', async () => {
    const fake = fakeRuntime({
      fail: {
        createContainer: new EngineError('ENGINE_CONNECTION_LOST', 'lost', { hint: 'h', details: { container: 'c9' } }),
      },
    });
    await expect(startAgent(deps(fake.runtime), options())).rejects.toMatchObject({ code: 'ENGINE_CONNECTION_LOST' });
    expect(fake.calls.slice(-2)).toEqual(['removeContainer c9', 'removeVolume agentctl-x-home']);
  });

  it('keeps a volume that existed before (the state of an earlier agent of that name)', async () => {
    const fake = fakeRuntime({
      volumeExists: true,
      fail: { startContainer: new EngineError('ENGINE_FAILED', 'bad runtime', { hint: 'h' }) },
    });
    await expect(startAgent(deps(fake.runtime), options())).rejects.toMatchObject({ code: 'ENGINE_FAILED' });
    expect(fake.calls).toContain('removeContainer c1');
    expect(fake.calls).not.toContain('removeVolume agentctl-x-home');
  });

  it("refuses a volume of the home volume's name that agentctl did not make (it was adopted as the home)", async () => {
    const cases: Record<string, string>[] = [
      {},
      { 'io.agentctl.managed': 'true', 'io.agentctl.kind': 'home', 'io.agentctl.agent': 'y' },
    ];
    for (const volumeLabels of cases) {
      const fake = fakeRuntime({ volumeExists: true, volumeLabels });
      await expect(startAgent(deps(fake.runtime), options())).rejects.toMatchObject({
        code: 'VOLUME_NAME_TAKEN',
        kind: 'conflict',
        message: 'A volume agentctl did not create is named agentctl-x-home',
      });
      expect(fake.calls).not.toContain('createContainer agentctl-x');
      expect(fake.calls).not.toContain('removeVolume agentctl-x-home');
    }
  });

  it('an agent whose command ran and ended before the first look is a result: kept, with its exit code', async () => {
    const fake = fakeRuntime({
      afterStart: {
        state: 'exited',
        running: false,
        exitCode: 3,
        startedAt: '2026-12-01T10:00:00Z',
        finishedAt: '2026-12-01T10:00:01Z',
      },
    });
    expect(await startAgent(deps(fake.runtime), options())).toMatchObject({
      state: 'exited',
      exitCode: 3,
      finishedAt: '2026-12-01T10:00:01Z',
      resumed: false,
    });
    expect(fake.calls).not.toContain('removeContainer c1');
    expect(fake.calls).not.toContain('removeVolume agentctl-x-home');
  });

  it('removes what it made when the container is gone or dead right after starting', async () => {
    const fake = fakeRuntime({
      afterStart: { state: 'dead', running: false, exitCode: 137, startedAt: '2026-12-01T10:00:00Z' },
    });
    await expect(startAgent(deps(fake.runtime), options())).rejects.toMatchObject({
      code: 'AGENT_EXITED',
      kind: 'engine',
    });
    expect(fake.calls).toContain('removeContainer c1');
  });

  it('loses a race for the name with a conflict, removing only a volume it made itself', async () => {
    const taken = new ConflictError('CONTAINER_NAME_TAKEN', 'taken', { hint: 'h' });
    const fake = fakeRuntime({ fail: { createContainer: taken } });
    await expect(startAgent(deps(fake.runtime), options())).rejects.toBe(taken);
    expect(fake.calls).not.toContain('removeContainer c1');
    expect(fake.calls).toContain('removeVolume agentctl-x-home');
  });

  it('says limit flags do nothing on a stopped agent of an engine that keeps no limits (it recorded none to compare)', async () => {
    const reason = 'rootless Podman on cgroup v1 cannot enforce CPU, memory and PID limits';
    const stopped = () =>
      fakeRuntime({
        existing: {
          state: 'exited',
          running: false,
          labels: { 'io.agentctl.managed': 'true', 'io.agentctl.limits-ignored': reason },
        },
      }).runtime;
    const warned: string[] = [];
    const started = await startAgent(
      { ...deps(stopped()), warn: (message) => warned.push(message) },
      options({ memory: '8g' }),
    );
    expect(started).toMatchObject({ resumed: true });
    expect(warned).toEqual([`agent x runs without resource limits: ${reason}`]);
    // Without a limit flag: nothing to say.
    warned.length = 0;
    await startAgent({ ...deps(stopped()), warn: (message) => warned.push(message) }, options());
    expect(warned).toEqual([]);
  });

  it('starts a stopped agent again as it is, and refuses a running one or a foreign container', async () => {
    const stopped = fakeRuntime({
      existing: { state: 'exited', running: false, labels: { 'io.agentctl.managed': 'true' } },
    });
    expect(await startAgent(deps(stopped.runtime), options())).toMatchObject({ resumed: true });
    expect(stopped.calls).not.toContain('createContainer agentctl-x');
    const running = fakeRuntime({ existing: { labels: { 'io.agentctl.managed': 'true' } } });
    await expect(startAgent(deps(running.runtime), options())).rejects.toMatchObject({
      code: 'AGENT_EXISTS',
      kind: 'conflict',
    });
    const foreign = fakeRuntime({ existing: { state: 'exited', labels: {} } });
    await expect(startAgent(deps(foreign.runtime), options())).rejects.toMatchObject({
      code: 'NAME_TAKEN',
      kind: 'conflict',
    });
  });

  it('checks the command line before connecting to the engine', async () => {
    let connected = false;
    const d = {
      ...deps(fakeRuntime().runtime),
      runtime: async () => {
        connected = true;
        return fakeRuntime().runtime;
      },
    };
    await expect(startAgent(d, options({ memory: 'lots' }))).rejects.toMatchObject({ code: 'INVALID_MEMORY' });
    await expect(startAgent(d, options({ workspace: '/nonexistent/agentctl' }))).rejects.toMatchObject({
      code: 'WORKSPACE_NOT_FOUND',
    });
    await expect(startAgent(d, options({ agent: 'nope' }))).rejects.toMatchObject({ code: 'AGENT_PROFILE_UNKNOWN' });
    await expect(startAgent(d, options({ name: '-bad' }))).rejects.toMatchObject({ code: 'AGENT_NAME_INVALID' });
    expect(connected).toBe(false);
  });

  it('attached: only starts, so an agent that ends at once is not an error', async () => {
    const fake = fakeRuntime({ afterStart: { state: 'exited', running: false, exitCode: 0 } });
    const pending = await prepareAgent(deps(fake.runtime), options());
    expect(await pending.start('attached')).toMatchObject({ name: 'x' });
    expect(fake.calls).not.toContain('removeContainer c1');
  });
});

/** The fake host user (501) must be able to write the workspace: start refuses one it could not. */
function writableByAnyone(dir: string): string {
  chmodSync(dir, 0o777);
  return dir;
}
