import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { tmuxAgentctl, until } from '../helpers/stream-agents.js';

/**
 * `agentctl stats` against real agents: a memory hog (60 MiB written to the agent's /dev/shm, which
 * its memory cgroup is charged for) under a 96 MiB limit, and a few extra processes under a PID limit.
 */
const f = lifecycleFixture('stats');
const hog = f.agentName('hog');
const idle = f.agentName('idle');
const MiB = 1024 * 1024;
let workspace = '';
let ignored = false;
const sessions: Array<{ kill: () => Promise<unknown> }> = [];

describe(`agentctl stats on ${f.engineName}`, () => {
  beforeAll(async () => {
    workspace = join(f.workspace(), 'workspace');
    mkdirSync(workspace);
    ignored = await f.limitsIgnored();
    const script = 'head -c 62914560 /dev/zero > /dev/shm/hog; for i in 1 2 3 4 5; do sleep 600 & done; sleep 600';
    const started = await f.cli(
      ['start', hog, '-d', '--image', f.image, '--memory', '96m', '--pids-limit', '64', '--', 'sh', '-c', script],
      { cwd: workspace },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const other = await f.cli(['start', idle, '-d', '--read-only', '--image', f.image, '--', 'sleep', '600'], {
      cwd: workspace,
    });
    expect(other.exitCode, other.stderr).toBe(0);
  });
  afterAll(async () => {
    for (const session of sessions) await session.kill();
    await f.cleanUp();
  });

  /** Rootless on cgroup v1 the engine has no figures of one container: agentctl says so (exit 12). */
  const expectUnavailable = (result: { exitCode: number; json?: any; stderr: string }) => {
    expect(result.exitCode, result.stderr).toBe(12);
    if (result.json) expect(result.json.error.code).toBe('STATS_UNAVAILABLE');
    else expect(result.stderr).toContain('has no figures of one agent here: rootless');
  };

  it('--json shows the memory hog approaching its limit, and its processes against the PID limit', async () => {
    if (ignored) {
      expectUnavailable(await f.cli(['stats', hog, '--json']));
      return;
    }
    const reading = await until(
      'the hog to fill its memory and start its processes',
      async () => {
        const result = await f.cli(['stats', hog, '--json']);
        expect(result.exitCode, result.stderr).toBe(0);
        const [agent] = result.json.agents;
        return agent.memory.usageBytes >= 60 * MiB && agent.pids.current >= 6 ? result.json : undefined;
      },
      60_000,
    );
    expect(reading.ok).toBe(true);
    expect(reading.agents).toHaveLength(1);
    const [agent] = reading.agents;
    expect(agent).toMatchObject({ name: hog, container: `agentctl-${hog}`, state: 'running' });
    expect(agent.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(typeof agent.network.rxBytes).toBe('number');
    expect(typeof agent.blockIo.writeBytes).toBe('number');
    expect(agent.pids.limit).toBe(64);
    expect(agent.pids.current).toBeLessThanOrEqual(64);
    expect(agent.memory.limitBytes).toBe(96 * MiB);
    expect(agent.memory.percent).toBeGreaterThan(60);
    expect(agent.memory.percent).toBeLessThanOrEqual(100);
  });

  it('without names, one reading of every running agent; a stopped agent named shows its state and no numbers', async () => {
    if (ignored) {
      expectUnavailable(await f.cli(['stats', '--json']));
      expectUnavailable(await f.cli(['stats', '--no-stream', hog, idle]));
      return;
    }
    const all = await f.cli(['stats', '--json']);
    expect(all.exitCode, all.stderr).toBe(0);
    const names = all.json.agents.map((agent: { name: string }) => agent.name);
    expect(names).toEqual(expect.arrayContaining([hog, idle]));

    const table = await f.cli(['stats', '--no-stream', hog, idle]);
    expect(table.exitCode, table.stderr).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^NAME\s+STATE\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+PIDS \/ LIMIT\s+NET I\/O\s+BLOCK I\/O$/,
    );
    expect(lines.find((line) => line.startsWith(hog))).toMatch(/MiB \/ (96MiB|[\d.]+GiB)\s+[\d.]+%\s+\d+ \/ 64/);

    expect((await f.cli(['stop', idle, '--timeout', '0'])).exitCode).toBe(0);
    const stopped = await f.cli(['stats', idle, '--json']);
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    expect(stopped.json.agents[0]).toMatchObject({ name: idle, state: 'exited', cpuPercent: null, memory: null });

    const missing = await f.cli(['stats', f.agentName('nobody'), '--json']);
    expect(missing.exitCode).toBe(7);
    expect(missing.json.error.code).toBe('AGENT_NOT_FOUND');
  });

  it('on a terminal it redraws until Ctrl-C, which ends it with exit code 0', async () => {
    const session = await tmuxAgentctl(f.workspace(), f.host, ['stats', hog]);
    sessions.push(session);
    if (ignored) {
      await session.waitFor(/has no figures of one agent here/);
      expect(await session.exitCode()).toBe(12);
      return;
    }
    await session.waitFor(new RegExp(`${hog}\\s+running\\s+[\\d.]+%`));
    await session.send('C-c');
    expect(await session.exitCode()).toBe(0);
  });
});
