import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineProxy, privatePodmanService } from '../helpers/fault-tools.js';
import { leftoverTracker, NOTHING } from '../helpers/leftovers.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { BIN, runCli } from '../helpers/run-cli.js';

// The engine going away before and during a start, Ctrl-C during a start, the engine restarting
// under running agents, and two starts racing for one name.
const f = lifecycleFixture('flt');
const suffix = f.agentName('x').split('-').pop()!;
const tracker = leftoverTracker({ host: f.host, scope: suffix });
const sleeper = ['--image', f.image, '--', 'sleep', '600'];
const enginePath = f.host.replace(/^unix:\/\//, '');

afterAll(() => f.cleanUp());

describe(`the engine goes away (${f.engineName})`, () => {
  it('before start: exit 4 with the endpoint tried and a hint, nothing made', async () => {
    const dead = join(tmpdir(), `agentctl-flt-dead-${suffix}.sock`);
    const { result, added } = await tracker.around(() =>
      runCli([
        '--host',
        `unix://${dead}`,
        '--json',
        'start',
        f.agentName('dead'),
        '-d',
        '--workspace',
        f.workspace(),
        ...sleeper,
      ]),
    );
    expect(result.exitCode).toBe(4);
    expect(result.json.error).toMatchObject({ code: 'RUNTIME_NOT_FOUND', message: expect.stringContaining(dead) });
    expect(result.json.error.hint).toMatch(/\S/);
    expect(added).toEqual(NOTHING);
  });

  // Podman: the private API service behind the proxy is killed (SIGKILL) when the start request
  // arrives, and started again; Docker's daemon is shared, so only its socket goes away and returns.
  it('during start (at POST /containers/…/start, back a moment later): a clear error and no half-made container', async () => {
    const podman =
      f.engineName === 'podman' ? privatePodmanService(join(tmpdir(), `agentctl-flt-crash-${suffix}.sock`)) : undefined;
    await podman?.start();
    const proxy = await engineProxy(podman?.path ?? enginePath, join(tmpdir(), `agentctl-flt-proxy-${suffix}.sock`));
    try {
      const name = f.agentName('cut');
      const cut = proxy.cutOn(/^POST \S*\/containers\/[^/]+\/start/);
      const run = runCli([
        '--host',
        proxy.host,
        '--json',
        '--verbose',
        'start',
        name,
        '-d',
        '--workspace',
        f.workspace(),
        ...sleeper,
      ]);
      await cut;
      if (podman) {
        await podman.kill();
        await new Promise((resolve) => setTimeout(resolve, 500));
        await podman.start();
        proxy.up();
      } else {
        // The engine comes back (as a restarted daemon would) while agentctl is still failing.
        setTimeout(() => proxy.up(), 1000);
      }
      const result = await run;
      expect(result.exitCode, result.stdout + result.stderr).not.toBe(0);
      expect(result.json.ok).toBe(false);
      expect(result.json.error.code).not.toBe('INTERNAL');
      expect(result.json.error.message).toMatch(/\S/);
      expect(result.json.error.hint).toMatch(/\S/);
      expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
      expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
    } finally {
      await proxy.close();
      await podman?.kill();
    }
  }, 60_000);
});

describe(`Ctrl-C during a start (${f.engineName})`, () => {
  it('exit 130, the container and volume removed', async () => {
    const proxy = await engineProxy(enginePath, join(tmpdir(), `agentctl-flt-hold-${suffix}.sock`));
    try {
      const name = f.agentName('int');
      const hold = proxy.holdOn(/^POST \S*\/containers\/[^/]+\/start/);
      const child = execa(
        process.execPath,
        [BIN, '--host', proxy.host, 'start', name, '-d', '--workspace', f.workspace(), ...sleeper],
        {
          env: { NO_COLOR: '1' },
          reject: false,
          timeout: 60_000,
        },
      );
      await hold.seen;
      expect(await f.containerExists(`agentctl-${name}`)).toBe(true); // created, not yet started
      child.kill('SIGINT');
      setTimeout(() => hold.release(), 500);
      const result = await child;
      expect(result.exitCode, result.stderr).toBe(130);
      expect(result.stderr).toMatch(/Cancelled|interrupted/i);
      expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
      expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
    } finally {
      await proxy.close();
    }
  });
});

// Issue 16: killing the engine (or agentctl) during `start` left a half-made agent. The start now
// journals what it made (<data dir>/starts/); the next agentctl that reaches the engine removes it.
describe(`agentctl killed (SIGKILL) between create and start (${f.engineName})`, () => {
  it('the next agentctl contact with the engine removes the half-made agent, and only it', async () => {
    const proxy = await engineProxy(enginePath, join(tmpdir(), `agentctl-flt-kill-${suffix}.sock`));
    const data = mkdtempSync(join(tmpdir(), 'agentctl-flt-journal-'));
    try {
      const name = f.agentName('killed');
      const survivor = f.agentName('intact');
      const env = { NO_COLOR: '1', AGENTCTL_DATA_DIR: data };
      const kept = await runCli(
        ['--host', proxy.host, '--json', 'start', survivor, '-d', '--workspace', f.workspace(), ...sleeper],
        { env },
      );
      expect(kept.exitCode, kept.stderr).toBe(0);
      // The start request never reaches the engine, and agentctl dies before it can clean up.
      const cut = proxy.cutOn(/^POST \S*\/containers\/[^/]+\/start/);
      const child = execa(
        process.execPath,
        [BIN, '--host', proxy.host, 'start', name, '-d', '--workspace', f.workspace(), ...sleeper],
        {
          env,
          reject: false,
          timeout: 60_000,
        },
      );
      await cut;
      child.kill('SIGKILL');
      await child;
      proxy.up();
      expect(await f.containerExists(`agentctl-${name}`)).toBe(true); // half-made: created, never started
      expect(readdirSync(join(data, 'starts'))).toHaveLength(1);
      const ls = await runCli(['--host', proxy.host, 'ls', '--all'], { env });
      expect(ls.exitCode, ls.stderr).toBe(0);
      expect(ls.stderr).toContain(`removed agent ${name}`);
      expect(ls.stdout).not.toContain(name);
      expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
      expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
      expect(existsSync(join(data, 'starts'))).toBe(false);
      // The agent whose start finished is untouched.
      expect((await f.docker.getContainer(`agentctl-${survivor}`).inspect()).State.Running).toBe(true);
      expect((await runCli(['--host', proxy.host, 'rm', '--force', '--volumes', survivor], { env })).exitCode).toBe(0);
    } finally {
      await proxy.close();
      rmSync(data, { recursive: true, force: true });
    }
  }, 90_000);
});

describe(`two starts race for one name (${f.engineName})`, () => {
  it('exactly one agent, and one clear conflict error (exit 8)', async () => {
    const name = f.agentName('race');
    const ws = f.workspace();
    const results = await Promise.all(
      [0, 1].map(() => f.cli(['--json', 'start', name, '-d', '--workspace', ws, ...sleeper])),
    );
    const codes = results.map((result) => result.exitCode).sort();
    expect(codes, results.map((r) => r.stdout).join('\n')).toEqual([0, 8]);
    const loser = results.find((result) => result.exitCode === 8)!;
    expect(['CONTAINER_NAME_TAKEN', 'AGENT_EXISTS']).toContain(loser.json.error.code);
    expect(loser.json.error.hint).toMatch(/\S/);
    const containers = await f.docker.listContainers({ all: true, filters: { name: [`agentctl-${name}`] } });
    expect(containers.filter((c) => c.Names.includes(`/agentctl-${name}`))).toHaveLength(1);
    expect(containers[0]!.State).toBe('running');
  });
});

describe(`the engine restarts while agents run (${f.engineName})`, () => {
  // Podman: a private API service on its own socket, killed (SIGKILL) and started again; the
  // containers outlive it (conmon). Docker: the daemon is shared by other tests and cannot be
  // restarted here, so its socket goes away and comes back through the proxy.
  const service = privatePodmanService(join(tmpdir(), `agentctl-flt-podman-${suffix}.sock`));
  let host = f.host;
  let bounce: () => Promise<void>;
  let close = async () => undefined as void;

  beforeAll(async () => {
    if (f.engineName === 'podman') {
      await service.start();
      host = service.host;
      bounce = async () => {
        await service.kill();
        await service.start();
      };
      close = () => service.kill();
    } else {
      const proxy = await engineProxy(enginePath, join(tmpdir(), `agentctl-flt-bounce-${suffix}.sock`));
      host = proxy.host;
      bounce = async () => {
        const cut = proxy.cutOn(/./);
        void runCli(['--host', host, 'ls']);
        await cut;
        proxy.up();
      };
      close = () => proxy.close();
    }
  }, 40_000);
  afterAll(() => close());

  it('`ls` reports the truth afterwards and a stopped agent starts again', async () => {
    const cli = (args: string[]) => runCli(['--host', host, '--json', ...args]);
    const running = f.agentName('live');
    const stopped = f.agentName('asleep');
    expect((await cli(['start', running, '-d', '--workspace', f.workspace(), ...sleeper])).exitCode).toBe(0);
    expect((await cli(['start', stopped, '-d', '--workspace', f.workspace(), ...sleeper])).exitCode).toBe(0);
    expect((await cli(['stop', stopped, '--timeout', '0'])).exitCode).toBe(0);

    await bounce();

    const ls = await cli(['ls', '--all']);
    expect(ls.exitCode, ls.stdout + ls.stderr).toBe(0);
    const states = Object.fromEntries(
      (ls.json.agents as { name: string; state: string }[]).map((agent) => [agent.name, agent.state]),
    );
    expect(states[running]).toBe('running');
    expect(states[stopped]).toMatch(/exited|stopped/);
    const again = await cli(['start', stopped, '-d']);
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.json.agent).toMatchObject({ name: stopped, resumed: true });
    const after = await cli(['ls']);
    expect((after.json.agents as { name: string }[]).map((agent) => agent.name)).toEqual(
      expect.arrayContaining([running, stopped]),
    );
  });
});
