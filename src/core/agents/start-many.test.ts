import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../runtime/agent-spec.js';
import { fakeDetails, fakeRuntime } from '../../../test/helpers/fake-runtime.js';
import { countedNames, parseCount, startAgents } from './start-many.js';
import type { StartAgentDeps } from './start-agent-types.js';

function engine(options: { taken?: string[] } = {}) {
  const calls: string[] = [];
  const created = new Map<string, string>();
  const started = new Set<string>();
  const runtime = fakeRuntime({
    async fetchEngineInfo() {
      return {
        name: 'h',
        storageRoot: '/var/lib/docker',
        storageDriver: 'overlay2',
        rootless: false,
        securityOptions: [],
      };
    },
    async inspectContainer(name) {
      const id = created.get(name) ?? (name.startsWith('id-') ? name : undefined);
      if (options.taken?.includes(name))
        return fakeDetails({ name, state: 'running', labels: { 'io.agentctl.managed': 'true' } });
      if (!id) return undefined;
      return fakeDetails({
        id,
        name: id.replace(/^id-/, ''),
        state: started.has(id) ? 'running' : 'created',
        running: started.has(id),
      });
    },
    async listContainers() {
      return [];
    },
    async createVolume() {
      return true;
    },
    async createContainer(spec: AgentSpec) {
      calls.push(`create ${spec.name}`);
      created.set(spec.name, `id-${spec.name}`);
      return { id: `id-${spec.name}` };
    },
    async fetchOciRuntime() {
      return undefined;
    },
    async startContainer(id) {
      calls.push(`start ${id}`);
      started.add(id);
    },
  });
  return { runtime, calls };
}

function deps(runtime: StartAgentDeps extends { runtime(): Promise<infer R> } ? R : never, resolutions: string[]) {
  return {
    cwd: tmpdir(),
    env: {},
    platform: 'linux' as const,
    config: { worktree: 'never' as const },
    homedir: tmpdir(),
    runtime: async () => runtime,
    resolveImage: async () => {
      resolutions.push('resolve');
      return { reference: 'agentctl-test/busybox:1.0.0', source: 'local', id: 'sha256:img', digest: null };
    },
    registerSecret: () => undefined,
    log: () => undefined,
    hostUser: { uid: 501, gid: 20 },
  } satisfies StartAgentDeps;
}

const options = () => {
  const workspace = mkdtempSync(join(tmpdir(), 'agentctl-many-'));
  chmodSync(workspace, 0o777);
  return {
    workspace,
    detach: true,
    readOnly: false,
    env: [],
    envFiles: [],
    secrets: [],
    ssh: false,
    dockerAccess: 'none' as const,
    waitTimeoutMs: 5000,
  };
};

describe('--count', () => {
  it('takes a whole number from 1 to 100', () => {
    expect(parseCount('3')).toBe(3);
    for (const bad of ['0', '101', '2.5', '-1', 'x', '']) {
      expect(() => parseCount(bad)).toThrow(expect.objectContaining({ code: 'INVALID_COUNT', kind: 'usage' }));
    }
  });

  it('names agents NAME-1 … NAME-N, refusing a base too long for the suffix', () => {
    expect(countedNames('review', 3)).toEqual(['review-1', 'review-2', 'review-3']);
    expect(() => countedNames('a'.repeat(62), 10)).toThrow(expect.objectContaining({ code: 'AGENT_NAME_INVALID' }));
  });
});

describe('startAgents', () => {
  it('creates the agents one after another, resolves the image once, and starts them all', async () => {
    const { runtime, calls } = engine();
    const resolutions: string[] = [];
    const result = await startAgents(deps(runtime, resolutions), options(), ['a-1', 'a-2', 'a-3']);
    expect(result.failed).toEqual([]);
    expect(result.started.map((agent) => agent.name)).toEqual(['a-1', 'a-2', 'a-3']);
    expect(resolutions).toEqual(['resolve']);
    // Every create comes before any start.
    expect(calls.slice(0, 3)).toEqual(['create agentctl-a-1', 'create agentctl-a-2', 'create agentctl-a-3']);
    expect(calls.slice(3).sort()).toEqual(['start id-agentctl-a-1', 'start id-agentctl-a-2', 'start id-agentctl-a-3']);
  });

  it('makes read-only agents side by side: every create is under way before the first ends', async () => {
    const { runtime } = engine();
    let inFlight = 0;
    let release: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (release = resolve));
    const create = runtime.createContainer.bind(runtime);
    const parallel = {
      ...runtime,
      async createContainer(spec: AgentSpec) {
        inFlight += 1;
        if (inFlight === 3) release();
        // One after another, this would never end: the first create waits for the third.
        await Promise.race([
          all,
          new Promise((_, reject) => setTimeout(() => reject(new Error('creates were not side by side')), 5000)),
        ]);
        return create(spec);
      },
    };
    const names = ['p-1', 'p-2', 'p-3'];
    const result = await startAgents(deps(parallel, []), { ...options(), readOnly: true }, names);
    expect(result.failed).toEqual([]);
    expect(result.started.map((agent) => agent.name)).toEqual(names);
  });

  it('reports an agent that cannot start and starts the others', async () => {
    const { runtime } = engine({ taken: ['agentctl-a-2'] });
    const result = await startAgents(deps(runtime, []), options(), ['a-1', 'a-2', 'a-3']);
    expect(result.started.map((agent) => agent.name)).toEqual(['a-1', 'a-3']);
    expect(result.failed.map(({ name, error }) => [name, error.code])).toEqual([['a-2', 'AGENT_EXISTS']]);
  });
});

describe('startAgents where each agent has its own copy of the workspace (Kubernetes)', () => {
  it('makes and starts them side by side: every create is under way before the first ends', async () => {
    const { runtime, calls } = engine();
    let inFlight = 0;
    let release: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (release = resolve));
    const create = runtime.createContainer.bind(runtime);
    const cluster = {
      ...runtime,
      capabilities: { ...runtime.capabilities, bindMounts: false },
      async createContainer(spec: AgentSpec) {
        inFlight += 1;
        if (inFlight === 3) release();
        // One after another, this would never end: the first create waits for the third.
        await Promise.race([
          all,
          new Promise((_, reject) => setTimeout(() => reject(new Error('creates were not side by side')), 5000)),
        ]);
        return create(spec);
      },
    };
    const result = await startAgents(deps(cluster, []), options(), ['a-1', 'a-2', 'a-3']);
    expect(result.failed).toEqual([]);
    expect(result.started.map((agent) => agent.name)).toEqual(['a-1', 'a-2', 'a-3']);
    expect(calls.filter((call) => call.startsWith('start')).sort()).toEqual([
      'start id-agentctl-a-1',
      'start id-agentctl-a-2',
      'start id-agentctl-a-3',
    ]);
  });

  it('gives each agent a signal of its own (no pile of listeners on one past 10 agents), and an abort still reaches them all', async () => {
    for (const bindMounts of [true, false]) {
      const { runtime } = engine();
      const parent = new AbortController();
      const signals = new Set<AbortSignal | undefined>();
      let most = 0;
      const counting = {
        ...runtime,
        capabilities: { ...runtime.capabilities, bindMounts },
        async startContainer(id: string, options?: { signal?: AbortSignal }) {
          signals.add(options?.signal);
          most = Math.max(most, getEventListeners(parent.signal, 'abort').length);
          return runtime.startContainer(id);
        },
      };
      const names = Array.from({ length: 12 }, (_, index) => `s-${index + 1}`);
      const result = await startAgents({ ...deps(counting, []), signal: parent.signal }, options(), names);
      expect(result.failed).toEqual([]);
      expect(signals.size).toBe(12);
      expect(signals.has(parent.signal)).toBe(false);
      expect(most).toBeLessThanOrEqual(1);
      expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    }
    // Aborted: the agents' own signals are too.
    const parent = new AbortController();
    const { runtime } = engine();
    const seen: AbortSignal[] = [];
    const aborting = {
      ...runtime,
      async startContainer(id: string, options?: { signal?: AbortSignal }) {
        seen.push(options!.signal!);
        parent.abort(new Error('stopped'));
        return runtime.startContainer(id);
      },
    };
    await startAgents({ ...deps(aborting, []), signal: parent.signal }, options(), ['t-1', 't-2']);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((signal) => signal.aborted)).toBe(true);
  });
});
