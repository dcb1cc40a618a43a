import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineProxy, privatePodmanService } from '../helpers/fault-tools.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { BIN, runCli } from '../helpers/run-cli.js';

// Lifecycle defects of issue 16, one test (or a few) each, named after the defect as reported.
const f = lifecycleFixture('lcd');
const suffix = f.agentName('x').split('-').pop()!;
const enginePath = f.host.replace(/^unix:\/\//, '');

afterAll(() => f.cleanUp());

// Rootless on cgroup v1 the engine accepts limits and keeps none (its info says so): agentctl reports
// them as ignored, so the tests of limits check that report there instead of the enforced value.
const ignoredLimits = 'cgroup v1 cannot enforce CPU, memory and PID limits';
let limitsIgnored = false;
beforeAll(async () => {
  limitsIgnored = await f.limitsIgnored();
});

/** Polls the engine (not agentctl) until the container has ended. */
async function untilExited(container: string): Promise<void> {
  for (;;) {
    const info = await f.docker.getContainer(container).inspect();
    if (!info.State.Running && info.State.Status !== 'created') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Runs agentctl through a proxy that holds its first look at the container after the start until
 * the agent's command has ended: the order "exited before agentctl looked", which a short command
 * gives in most runs on Docker, made certain.
 */
async function withExitBeforeFirstLook(container: string, args: string[]) {
  const proxy = await engineProxy(
    enginePath,
    join(tmpdir(), `agentctl-lcd-${suffix}-${Math.random().toString(36).slice(2, 8)}.sock`),
  );
  try {
    const started = proxy.holdOn(/^POST \S*\/containers\/[^/]+\/(re)?start/);
    const run = runCli(['--host', proxy.host, ...args]);
    await started.seen;
    const look = proxy.holdOn(/^GET \S*\/containers\/[0-9a-f]{64}\/json/);
    started.release();
    await look.seen;
    await untilExited(container);
    look.release();
    const result = await run;
    f.outputs.push(result.stdout, result.stderr);
    return result;
  } finally {
    await proxy.close();
  }
}

describe(`start --detach is racy for short commands (${f.engineName})`, () => {
  const name = f.agentName('short');
  const container = `agentctl-${name}`;
  const short = ['--image', f.image, '--', 'sh', '-c', 'echo short-agent-output; exit 3'];

  it('start -d of a command that already exited: success, state exited with its exit code, the agent kept', async () => {
    const result = await withExitBeforeFirstLook(container, [
      '--json',
      'start',
      name,
      '-d',
      '--workspace',
      f.workspace(),
      ...short,
    ]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.json).toMatchObject({ ok: true, agent: { name, resumed: false, state: 'exited', exitCode: 3 } });
    expect(result.json.agent.finishedAt).toMatch(/^\d{4}-/);
    expect(result.stderr).toMatch(new RegExp(`${name} ran and has already exited \\(exit code 3\\)`));
    expect(await f.containerExists(container)).toBe(true);
    expect(await f.volumeExists(`${container}-home`)).toBe(true);
  });

  it('wait NAME then returns its exit code and logs NAME its output', async () => {
    const wait = await f.cli(['wait', name]);
    expect(wait.exitCode, wait.stderr).toBe(3);
    expect(wait.stdout.trim()).toBe(`${name}\t3`);
    const logs = await f.cli(['logs', name]);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('short-agent-output');
  });

  it('start NAME again (no new flags) resumes it: the earlier run is not taken for this one', async () => {
    const before = (await f.docker.getContainer(container).inspect()).State.StartedAt;
    const result = await withExitBeforeFirstLook(container, ['--json', 'start', name, '-d']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.json.agent).toMatchObject({ name, resumed: true, state: 'exited', exitCode: 3 });
    expect((await f.docker.getContainer(container).inspect()).State.StartedAt).not.toBe(before);
  });

  it('restart of an agent that finished normally is no failed start: exit 0, exited with its code', async () => {
    const result = await withExitBeforeFirstLook(container, ['--json', 'restart', name]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.json).toMatchObject({
      ok: true,
      restarted: [name],
      agents: [{ name, state: 'exited', exitCode: 3 }],
    });
    expect(await f.containerExists(container)).toBe(true);
  });

  it('a long-running agent still reports running', async () => {
    const long = f.agentName('long');
    const result = await f.cli([
      '--json',
      'start',
      long,
      '-d',
      '--workspace',
      f.workspace(),
      '--image',
      f.image,
      '--',
      'sleep',
      '600',
    ]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.json.agent).toMatchObject({ name: long, state: 'running' });
    expect(result.json.agent.exitCode).toBeUndefined();
  });
});

describe(`start NAME on an existing stopped agent ignores new flags (${f.engineName})`, () => {
  const name = f.agentName('resume');
  const container = `agentctl-${name}`;
  let workspace = '';

  it('a stopped agent, created with the default limits and sleep 600', async () => {
    workspace = f.workspace();
    const created = await f.cli([
      '--json',
      'start',
      name,
      '-d',
      '--workspace',
      workspace,
      '--image',
      f.image,
      '--',
      'sleep',
      '600',
    ]);
    expect(created.exitCode, created.stdout + created.stderr).toBe(0);
    expect(created.stderr.includes(`agent ${name} runs without resource limits`)).toBe(limitsIgnored);
    expect((await f.cli(['stop', name, '--timeout', '0'])).exitCode).toBe(0);
  });

  /** A start of the stopped agent with `args` is refused (exit 8) and leaves the agent as it was. */
  async function expectRefused(args: string[], message: RegExp) {
    const before = await f.docker.getContainer(container).inspect();
    const result = await f.cli(['--json', 'start', name, '-d', ...args]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(8);
    expect(result.json.error).toMatchObject({ code: 'AGENT_SETTINGS_DIFFER', message: expect.stringMatching(message) });
    expect(result.json.error.hint).toContain(`agentctl rm ${name} --keep-branch`);
    const after = await f.docker.getContainer(container).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.Running).toBe(false);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    // What the engine kept of the default 4g (nothing, where it ignores limits).
    expect(after.HostConfig.Memory).toBe(limitsIgnored ? 0 : 4 * 1024 ** 3);
    expect(after.Config.Cmd).toEqual(['sleep', '600']);
  }

  it.each([
    [
      '--image',
      ['--image', `${f.image.split(':')[0]}:other`],
      /--image \(has agentctl-test\/busybox:1\.0\.0, asked agentctl-test\/busybox:other\)/,
    ],
    ['a new command', ['--', 'sh', '-c', 'exit 0'], /the command after --/],
  ])('%s is refused with a hint (exit 8), the agent left as it was', (_what, args, message) =>
    expectRefused(args, message),
  );

  it('--memory is refused the same way; where the engine keeps no limits, it is said to do nothing there', async () => {
    if (!limitsIgnored) return expectRefused(['--memory', '256m'], /--memory \(has 4g, asked 256m\)/);
    // The engine kept no limit to compare with: the agent starts as it was, with the warning of its create.
    const before = await f.docker.getContainer(container).inspect();
    const result = await f.cli(['--json', 'start', name, '-d', '--memory', '256m']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.json.agent).toMatchObject({ name, resumed: true, state: 'running' });
    expect(result.stderr).toContain(`agent ${name} runs without resource limits: `);
    expect(result.stderr).toContain(ignoredLimits);
    const after = await f.docker.getContainer(container).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.HostConfig.Memory).toBe(0);
    const ls = await f.cli(['--json', 'ls']);
    expect(ls.json.agents.find((agent: { name: string }) => agent.name === name)?.limits).toMatchObject({
      memory: null,
      enforced: false,
      ignoredBecause: expect.stringContaining(ignoredLimits),
    });
    expect((await f.cli(['stop', name, '--timeout', '0'])).exitCode).toBe(0);
  });

  it('a start with no differing flags resumes it as today, also when the same flags are repeated', async () => {
    const same = await f.cli([
      '--json',
      'start',
      name,
      '-d',
      '--workspace',
      workspace,
      '--image',
      f.image,
      '--memory',
      '4g',
      '--',
      'sleep',
      '600',
    ]);
    expect(same.exitCode, same.stdout + same.stderr).toBe(0);
    // The same --memory, where the engine keeps no limits, is said to do nothing there.
    expect(same.stderr.includes(ignoredLimits)).toBe(limitsIgnored);
    expect(same.json.agent).toMatchObject({ name, resumed: true, state: 'running' });
    expect((await f.cli(['stop', name, '--timeout', '0'])).exitCode).toBe(0);
    const bare = await f.cli(['--json', 'start', name, '-d']);
    expect(bare.exitCode, bare.stdout + bare.stderr).toBe(0);
    expect(bare.json.agent).toMatchObject({ name, resumed: true, state: 'running' });
  });
});

describe(`Podman: rm --force reports success while the agent keeps running (${f.engineName})`, () => {
  /**
   * The start time of host process `pid` (field 22 of /proc/PID/stat), which a later process given
   * the same PID does not share; undefined once it has ended (gone, or a zombie). Not its cgroup:
   * rootless Podman on cgroup v1 (cgroupfs, nothing delegated) leaves a container's processes in
   * the cgroup of the API service that started them, which names no container.
   */
  async function startTimeOf(pid: number): Promise<string | undefined> {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) return undefined;
    const [state, ...fields] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return state === 'Z' || state === 'X' ? undefined : fields[18];
  }

  /** Whether the agent's first process, as seen at its start, still runs on this host. */
  const stillRuns = async (agent: { pid: number; startTime: string }) =>
    (await startTimeOf(agent.pid)) === agent.startTime;

  /** An agent that ignores SIGTERM, and a `stop` of it interrupted with SIGINT while the engine waits. */
  async function interruptedStop(label: string) {
    const name = f.agentName(label);
    const container = `agentctl-${name}`;
    const started = await f.cli([
      'start',
      name,
      '-d',
      '--workspace',
      f.workspace(),
      '--image',
      f.image,
      '--',
      'sh',
      '-c',
      'trap "" TERM; sleep 600',
    ]);
    expect(started.exitCode, started.stderr).toBe(0);
    const info = await f.docker.getContainer(container).inspect();
    const pid = info.State.Pid;
    // The engine's PID of the agent: a host process that is PID 1 of the agent's own PID namespace.
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    expect(status).toMatch(new RegExp(`^NSpid:\\t${pid}(\\t\\d+)*\\t1$`, 'm'));
    const startTime = await startTimeOf(pid);
    expect(startTime).toMatch(/^\d+$/);
    const proxy = await engineProxy(enginePath, join(tmpdir(), `agentctl-lcd-stop-${label}-${suffix}.sock`));
    try {
      const stopping = proxy.holdOn(/^POST \S*\/containers\/[^/]+\/stop/);
      const stop = execa(process.execPath, [BIN, '--host', proxy.host, 'stop', name, '--timeout', '300'], {
        reject: false,
        env: { NO_COLOR: '1' },
      });
      await stopping.seen;
      stopping.release();
      // Podman marks the container "stopping" once it has the request; Docker shows nothing.
      if (f.engineName === 'podman') {
        while ((await f.docker.getContainer(container).inspect()).State.Status !== 'stopping')
          await new Promise((resolve) => setTimeout(resolve, 50));
      }
      stop.kill('SIGINT');
      expect((await stop).exitCode).toBe(130);
    } finally {
      await proxy.close();
    }
    return { name, container, pid, startTime: startTime! };
  }

  it('after an interrupted stop, rm --force ends the process before it reports success', async () => {
    const agent = await interruptedStop('rmf');
    expect(await stillRuns(agent)).toBe(true);
    const removed = await f.cli(['--json', 'rm', '--force', agent.name]);
    expect(removed.exitCode, removed.stdout + removed.stderr).toBe(0);
    expect(await f.containerExists(agent.container)).toBe(false);
    expect(await stillRuns(agent)).toBe(false);
  });

  it('a "stopping" agent shows as stopping in ls (not unknown), and rm without --force refuses it as running', async () => {
    const agent = await interruptedStop('stopping');
    // Docker has no such state: the interrupted stop leaves it running.
    const state = f.engineName === 'podman' ? 'stopping' : 'running';
    const ls = await f.cli(['--json', 'ls', '--all']);
    expect(ls.json.agents.find((item: { name: string }) => item.name === agent.name)).toMatchObject({ state });
    const table = await f.cli(['ls', '--all']);
    expect(table.stdout).toMatch(new RegExp(`^${agent.name} +${state} `, 'm'));
    const refused = await f.cli(['--json', 'rm', agent.name]);
    expect(refused.exitCode, refused.stdout).toBe(8);
    expect(refused.json.error.code).toBe('AGENT_RUNNING');
    expect(await stillRuns(agent)).toBe(true);
    // Removed through agentctl: the fixture's own forced remove would leave the process behind.
    expect((await f.cli(['rm', '--force', agent.name])).exitCode).toBe(0);
    expect(await stillRuns(agent)).toBe(false);
  });

  it('after an interrupted stop, stop --timeout 0 really stops it', async () => {
    const agent = await interruptedStop('stop0');
    const stopped = await f.cli(['--json', 'stop', agent.name, '--timeout', '0']);
    expect(stopped.exitCode, stopped.stdout + stopped.stderr).toBe(0);
    expect(stopped.json.stopped).toEqual([{ name: agent.name, stopped: true }]);
    expect(await stillRuns(agent)).toBe(false);
    expect((await f.docker.getContainer(agent.container).inspect()).State.Running).toBe(false);
  });
});

describe(`INTERNAL (exit 1) when the engine dies (${f.engineName})`, () => {
  // Podman: a private API service (same storage) behind the proxy is killed (SIGKILL) when the
  // request arrives and started again; Docker's daemon is shared, so only its socket goes away.
  it.each([
    ['GET /info', /^GET \S*\/info[ ?]/],
    ['the image inspect', /^GET \S*\/images\/\S+\/json[ ?]/],
  ])(
    'during start (at %s): ENGINE_CONNECTION_LOST, exit 5, with a hint, nothing left behind',
    async (_at, pattern) => {
      const podman =
        f.engineName === 'podman' ? privatePodmanService(join(tmpdir(), `agentctl-lcd-eng-${suffix}.sock`)) : undefined;
      await podman?.start();
      const proxy = await engineProxy(podman?.path ?? enginePath, join(tmpdir(), `agentctl-lcd-cut-${suffix}.sock`));
      try {
        const name = f.agentName(`die${pattern.source.includes('info') ? 'i' : 'm'}`);
        const cut = proxy.cutOn(pattern);
        const run = runCli([
          '--host',
          proxy.host,
          '--json',
          'start',
          name,
          '-d',
          '--workspace',
          f.workspace(),
          '--image',
          f.image,
          '--',
          'sleep',
          '600',
        ]);
        await cut;
        if (podman) {
          await podman.kill();
          await podman.start();
        }
        proxy.up();
        const result = await run;
        f.outputs.push(result.stdout, result.stderr);
        expect(result.exitCode, result.stdout + result.stderr).toBe(5);
        expect(result.json).toMatchObject({
          ok: false,
          error: { code: 'ENGINE_CONNECTION_LOST', message: expect.stringMatching(/socket hang up|ECONNRESET/) },
        });
        expect(result.json.error.hint).toContain('agentctl doctor');
        expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
        expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
      } finally {
        await proxy.close();
        await podman?.kill();
      }
    },
    90_000,
  );

  it('during attach: ENGINE_CONNECTION_LOST, exit 5, with a hint', async () => {
    const podman =
      f.engineName === 'podman' ? privatePodmanService(join(tmpdir(), `agentctl-lcd-att-${suffix}.sock`)) : undefined;
    await podman?.start();
    const proxy = podman
      ? undefined
      : await engineProxy(enginePath, join(tmpdir(), `agentctl-lcd-attp-${suffix}.sock`));
    const host = podman?.host ?? proxy!.host;
    try {
      const name = f.agentName('attach');
      const started = await runCli([
        '--host',
        host,
        'start',
        name,
        '-d',
        '--workspace',
        f.workspace(),
        '--image',
        f.image,
        '--',
        'sh',
        '-c',
        'while true; do echo tick; sleep 1; done',
      ]);
      expect(started.exitCode, started.stderr).toBe(0);
      const attach = execa(process.execPath, [BIN, '--host', host, 'attach', name], {
        reject: false,
        env: { NO_COLOR: '1' },
        stdin: 'pipe',
      });
      await new Promise<void>((resolve) => {
        attach.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('tick')) resolve();
        });
      });
      if (podman) await podman.kill();
      else await proxy!.close();
      const result = await attach;
      expect(result.exitCode, result.stderr).toBe(5);
      expect(result.stderr).toMatch(/^error: The connection to the container engine was lost/m);
      expect(result.stderr).toMatch(/^hint: .*agentctl doctor/m);
      expect(result.stderr).not.toMatch(/Unexpected error/);
    } finally {
      await proxy?.close().catch(() => undefined);
      await podman?.kill();
    }
  }, 90_000);
});

describe(`ls: exit codes, OOM kills and image names (${f.engineName})`, () => {
  const exited = f.agentName('ls-exit');
  const oom = f.agentName('ls-oom');
  // Fills far more than its 6m of memory, so the kernel's OOM killer ends it (where the engine keeps limits).
  const hog = ['sh', '-c', 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo "$x" | wc -c'];

  it('an exited agent shows its exit code (table and JSON), an OOM kill is not a plain exit, IMAGE names the image', async () => {
    const ws = f.workspace();
    expect(
      (await f.cli(['start', exited, '-d', '--workspace', ws, '--image', f.image, '--', 'sh', '-c', 'exit 3']))
        .exitCode,
    ).toBe(0);
    expect((await f.cli(['wait', exited])).exitCode).toBe(3);
    const hogged = await f.cli([
      'start',
      oom,
      '-d',
      '--workspace',
      f.workspace(),
      '--image',
      f.image,
      '--memory',
      '6m',
      '--',
      ...hog,
    ]);
    expect(hogged.exitCode, hogged.stderr).toBe(0);
    // Where the engine keeps no limits, nothing holds the hog to 6m: it ends normally, and agentctl says
    // at the start (and ls below) that the limit does nothing there.
    expect(hogged.stderr.includes(`agent ${oom} runs without resource limits`)).toBe(limitsIgnored);
    expect((await f.cli(['wait', oom])).exitCode).toBe(limitsIgnored ? 0 : 137);
    expect((await f.docker.getContainer(`agentctl-${oom}`).inspect()).HostConfig.Memory).toBe(
      limitsIgnored ? 0 : 6 * 1024 ** 2,
    );
    let ls = await f.cli(['--json', 'ls', '--all']);
    expect(ls.exitCode, ls.stderr).toBe(0);
    const byName = (name: string) => ls.json.agents.find((agent: { name: string }) => agent.name === name);
    // Docker sets OOMKilled from the kernel's OOM event, which can come a moment after the exit
    // under load: asked again for a few seconds. Under load it can also never come (seen twice:
    // exit 137, OOMKilled false for good, in the engine's own inspect too): agentctl says what the
    // engine knows, so ls is compared with the engine's answer.
    for (let attempt = 0; f.engineName === 'docker' && !byName(oom)?.oomKilled && attempt < 20; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      ls = await f.cli(['--json', 'ls', '--all']);
    }
    const engineOomKilled = (await f.docker.getContainer(`agentctl-${oom}`).inspect()).State.OOMKilled === true;
    // Podman 4.3 on cgroup v1 never reports OOMKilled (docs/shared engines notes).
    if (f.engineName === 'podman') expect(engineOomKilled).toBe(false);
    // Backward compatible: the old fields stay, the new ones are added.
    expect(byName(exited)).toMatchObject({
      state: 'exited',
      exitCode: 3,
      oomKilled: false,
      health: null,
      imageVersion: '1.0.0',
      imageName: 'busybox:1.0.0',
    });
    expect(byName(exited).finishedAt).toMatch(/^\d{4}-/);
    if (limitsIgnored)
      expect(byName(oom)).toMatchObject({
        state: 'exited',
        exitCode: 0,
        oomKilled: false,
        limits: { memory: null, enforced: false, ignoredBecause: expect.stringContaining(ignoredLimits) },
      });
    // Where the engine says OOM killed (Docker, nearly always), so does ls; elsewhere only the 137 shows.
    else
      expect(byName(oom)).toMatchObject({
        state: 'exited',
        exitCode: 137,
        oomKilled: engineOomKilled,
        limits: { memory: 6 * 1024 ** 2, enforced: true },
      });
    const table = await f.cli(['ls', '--all']);
    expect(table.stdout).toMatch(new RegExp(`^${exited} +exited \\(3\\) +- +- +busybox:1\\.0\\.0 +${ws} `, 'm'));
    const ended = limitsIgnored ? '0' : `137${engineOomKilled ? ', OOM killed' : ''}`;
    expect(table.stdout).toMatch(new RegExp(`^${oom} +exited \\(${ended}\\) `, 'm'));
    if (limitsIgnored) expect(table.stderr).toContain('limits ignored: rootless');
  });
});

describe(`ls: exited agents show unhealthy (${f.engineName})`, () => {
  const image = `agentctl-test/lcd-health-${suffix}:1`;
  beforeAll(async () => {
    const context = mkdtempSync(join(tmpdir(), 'agentctl-lcd-health-'));
    writeFileSync(
      join(context, 'Dockerfile'),
      `FROM ${f.image}\nHEALTHCHECK --interval=1s --timeout=2s --retries=1 CMD test -f /tmp/ready\n`,
    );
    // Podman's Docker-compatible build writes OCI images, which have no HEALTHCHECK: its own CLI, in docker format.
    if (f.engineName === 'podman') await execa('podman', ['build', '-q', '--format', 'docker', '-t', image, context]);
    else await execa('docker', ['-H', f.host, 'build', '-q', '-t', image, context]);
    rmSync(context, { recursive: true, force: true });
  }, 120_000);
  // The agents of the image first (the file's own cleanUp runs only after this), then the image.
  afterAll(async () => {
    const containers = await f.docker.listContainers({ all: true, filters: { ancestor: [image] } });
    for (const item of containers) {
      try {
        await f.docker.getContainer(item.Id).remove({ force: true, t: 0 } as never);
      } catch {
        // Already gone.
      }
    }
    await f.docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
  });

  it('an agent with a health check that ran and ended shows no health (the engine keeps its last answer)', async () => {
    const name = f.agentName('ls-health');
    const started = await f.cli([
      '--json',
      'start',
      name,
      '-d',
      '--workspace',
      f.workspace(),
      '--image',
      image,
      '--',
      'sh',
      '-c',
      'touch /tmp/ready; sleep 3',
    ]);
    expect(started.exitCode, started.stdout + started.stderr).toBe(0);
    expect((await f.cli(['wait', name])).exitCode).toBe(0);
    const info = await f.docker.getContainer(`agentctl-${name}`).inspect();
    // What the engine still says about the ended container (Docker: "unhealthy"; Podman: "starting").
    expect((info.State as { Health?: { Status?: string } }).Health?.Status).toMatch(/\S/);
    const ls = await f.cli(['--json', 'ls', '--all']);
    expect(ls.json.agents.find((agent: { name: string }) => agent.name === name)).toMatchObject({
      state: 'exited',
      exitCode: 0,
      health: null,
    });
    const table = await f.cli(['ls', '--all']);
    expect(table.stdout).toMatch(new RegExp(`^${name} +exited \\(0\\) +- `, 'm'));
  });
});
