import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../runtime/agent-spec.js';
import { fakeDetails, fakeRuntime } from '../../../test/helpers/fake-runtime.js';
import { runAgent, type RunAgentDeps, type RunAgentOptions } from './run-agent.js';

/** One frame of the engine's multiplexed stream (1 stdout, 2 stderr). */
function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** An engine whose agent prints, then exits with `exitCode` — or, with `hang`, runs until stopped. */
function engine(behaviour: { exitCode: number; hang?: boolean }) {
  const calls: string[] = [];
  const output = new PassThrough();
  let state: 'none' | 'running' | 'exited' = 'none';
  let exit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (exit = resolve));
  const end = (code: number) => {
    state = 'exited';
    output.end();
    exit(code);
  };
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
    async listContainers() {
      return [];
    },
    async inspectContainer() {
      if (state === 'none') return undefined;
      return fakeDetails({
        state: state === 'running' ? 'running' : 'exited',
        running: state === 'running',
        ...(state === 'exited' ? { exitCode: behaviour.hang ? 137 : behaviour.exitCode } : {}),
      });
    },
    async createVolume() {
      return true;
    },
    async fetchOciRuntime() {
      return undefined;
    },
    async createContainer(spec: AgentSpec) {
      calls.push(`create ${spec.name}`);
      return { id: 'c1' };
    },
    async waitContainerExit() {
      return exited;
    },
    async attachContainer() {
      calls.push('attach');
      return output as never;
    },
    async startContainer() {
      calls.push('start');
      state = 'running';
      output.write(frame(1, 'hello from the agent\n'));
      output.write(frame(2, 'a warning\n'));
      if (!behaviour.hang) setImmediate(() => end(behaviour.exitCode));
    },
    async stopContainer(_id: string, seconds?: number) {
      calls.push(`stop ${seconds}`);
      end(137);
    },
  });
  return { runtime, calls };
}

function deps(runtime: ReturnType<typeof engine>['runtime']) {
  const out = { stdout: '', stderr: '' };
  const d: RunAgentDeps = {
    cwd: tmpdir(),
    env: {},
    platform: 'linux',
    config: { worktree: 'never' },
    homedir: tmpdir(),
    hostUser: { uid: 501, gid: 20 },
    runtime: async () => runtime,
    resolveImage: async () => ({
      reference: 'agentctl-test/busybox:1.0.0',
      source: 'local',
      id: 'sha256:img',
      digest: null,
    }),
    registerSecret: () => undefined,
    log: () => undefined,
    output: { stdout: (text) => (out.stdout += text), stderr: (text) => (out.stderr += text) },
    mask: (text) => text,
    logDir: mkdtempSync(join(tmpdir(), 'agentctl-run-logs-')),
    worktrees: {} as RunAgentDeps['worktrees'],
  };
  return { deps: d, out };
}

function options(overrides: Partial<RunAgentOptions> = {}): RunAgentOptions {
  const workspace = mkdtempSync(join(tmpdir(), 'agentctl-run-'));
  chmodSync(workspace, 0o777);
  return {
    start: {
      name: 'run-x',
      workspace,
      readOnly: false,
      env: [],
      envFiles: [],
      secrets: [],
      ssh: false,
      dockerAccess: 'none',
      waitTimeoutMs: 5000,
    },
    plan: { command: ['sh', '-c', 'true'], env: [] },
    stopTimeoutSeconds: 10,
    remove: false,
    ...overrides,
  };
}

describe('runAgent', () => {
  it("attaches before starting, streams stdout and stderr apart, and reports the agent's exit code", async () => {
    const { runtime, calls } = engine({ exitCode: 3 });
    const { deps: d, out } = deps(runtime);
    const { result, failure } = await runAgent(d, options());
    expect(calls).toEqual(['create agentctl-run-x', 'attach', 'start']);
    expect(out).toEqual({ stdout: 'hello from the agent\n', stderr: 'a warning\n' });
    expect(result).toMatchObject({ ok: false, agent: 'run-x', exitCode: 3 });
    expect(result.stoppedBy).toBeUndefined();
    expect(failure).toBeUndefined();
  });

  it('is ok on exit 0', async () => {
    const { runtime } = engine({ exitCode: 0 });
    const { result } = await runAgent(deps(runtime).deps, options());
    expect(result).toMatchObject({ ok: true, exitCode: 0 });
  });

  it('stops the agent at the timeout with the stop grace given, and fails with RUN_TIMEOUT', async () => {
    const { runtime, calls } = engine({ exitCode: 0, hang: true });
    const { result, failure } = await runAgent(deps(runtime).deps, options({ timeoutMs: 20, stopTimeoutSeconds: 7 }));
    expect(calls).toContain('stop 7');
    expect(result).toMatchObject({ ok: false, exitCode: 137, stoppedBy: 'timeout' });
    expect(failure?.code).toBe('RUN_TIMEOUT');
  });
});
