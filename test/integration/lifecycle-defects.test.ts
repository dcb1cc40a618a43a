import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineProxy } from '../helpers/fault-tools.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { runCli } from '../helpers/run-cli.js';

// Lifecycle defects of issue 16, one test (or a few) each, named after the defect as reported.
const f = lifecycleFixture('lcd');
const suffix = f.agentName('x').split('-').pop()!;
const enginePath = f.host.replace(/^unix:\/\//, '');

afterAll(() => f.cleanUp());

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
  const proxy = await engineProxy(enginePath, join(tmpdir(), `agentctl-lcd-${suffix}-${Math.random().toString(36).slice(2, 8)}.sock`));
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
    const result = await withExitBeforeFirstLook(container, ['--json', 'start', name, '-d', '--workspace', f.workspace(), ...short]);
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
    expect(result.json).toMatchObject({ ok: true, restarted: [name], agents: [{ name, state: 'exited', exitCode: 3 }] });
    expect(await f.containerExists(container)).toBe(true);
  });

  it('a long-running agent still reports running', async () => {
    const long = f.agentName('long');
    const result = await f.cli(['--json', 'start', long, '-d', '--workspace', f.workspace(), '--image', f.image, '--', 'sleep', '600']);
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
    const created = await f.cli(['--json', 'start', name, '-d', '--workspace', workspace, '--image', f.image, '--', 'sleep', '600']);
    expect(created.exitCode, created.stdout + created.stderr).toBe(0);
    expect((await f.cli(['stop', name, '--timeout', '0'])).exitCode).toBe(0);
  });

  it.each([
    ['--image', ['--image', `${f.image.split(':')[0]}:other`], /--image \(has agentctl-test\/busybox:1\.0\.0, asked agentctl-test\/busybox:other\)/],
    ['--memory', ['--memory', '256m'], /--memory \(has 4g, asked 256m\)/],
    ['a new command', ['--', 'sh', '-c', 'exit 0'], /the command after --/],
  ])('%s is refused with a hint (exit 8), the agent left as it was', async (_what, args, message) => {
    const before = await f.docker.getContainer(container).inspect();
    const result = await f.cli(['--json', 'start', name, '-d', ...args]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(8);
    expect(result.json.error).toMatchObject({ code: 'AGENT_SETTINGS_DIFFER', message: expect.stringMatching(message) });
    expect(result.json.error.hint).toContain(`agentctl rm ${name} --keep-branch`);
    const after = await f.docker.getContainer(container).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.Running).toBe(false);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    expect(after.HostConfig.Memory).toBe(4 * 1024 ** 3);
    expect(after.Config.Cmd).toEqual(['sleep', '600']);
  });

  it('a start with no differing flags resumes it as today, also when the same flags are repeated', async () => {
    const same = await f.cli(['--json', 'start', name, '-d', '--workspace', workspace, '--image', f.image, '--memory', '4g', '--', 'sleep', '600']);
    expect(same.exitCode, same.stdout + same.stderr).toBe(0);
    expect(same.json.agent).toMatchObject({ name, resumed: true, state: 'running' });
    expect((await f.cli(['stop', name, '--timeout', '0'])).exitCode).toBe(0);
    const bare = await f.cli(['--json', 'start', name, '-d']);
    expect(bare.exitCode, bare.stdout + bare.stderr).toBe(0);
    expect(bare.json.agent).toMatchObject({ name, resumed: true, state: 'running' });
  });
});
