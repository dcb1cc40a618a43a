import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

/** `agentctl inspect` against real agents: the facts agentctl knows, and never a secret's value. */
const f = lifecycleFixture('inspect');
const agent = f.agentName('agent');
const ended = f.agentName('ended');
const SECRET = `inspect-secret-${Math.random().toString(36).slice(2)}`;
const ENV_VALUE = `inspect-env-value-${Math.random().toString(36).slice(2)}`;
let workspace = '';
// Rootless on cgroup v1 the engine accepts limits and keeps none (its info says so): inspect says
// they are ignored there, instead of the values asked.
const ignoredLimits = 'cgroup v1 cannot enforce CPU, memory and PID limits';
let limitsIgnored = false;

describe(`agentctl inspect on ${f.engineName}`, () => {
  beforeAll(async () => {
    limitsIgnored = await f.limitsIgnored();
    workspace = join(f.workspace(), 'workspace');
    mkdirSync(workspace);
    const started = await f.cli(
      [
        'start',
        agent,
        '-d',
        '--image',
        f.image,
        '--secret',
        'INSPECT_TOKEN',
        '--env',
        'INSPECT_SETTING',
        '--memory',
        '200m',
        '--pids-limit',
        '99',
        '--',
        'sleep',
        '600',
      ],
      { cwd: workspace, env: { INSPECT_TOKEN: SECRET, INSPECT_SETTING: ENV_VALUE } },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    expect(started.stderr.includes(`agent ${agent} runs without resource limits: `)).toBe(limitsIgnored);
    const other = await f.cli(
      ['start', ended, '-d', '--read-only', '--image', f.image, '--', 'sh', '-c', 'sleep 1; exit 3'],
      {
        cwd: workspace,
      },
    );
    expect(other.exitCode, other.stderr).toBe(0);
    expect((await f.cli(['wait', ended])).exitCode).toBe(3);
  });
  afterAll(() => f.cleanUp());

  it('--json: state, image and digest, workspace, limits, mounts, and the names of its secrets and variables', async () => {
    const result = await f.cli(['inspect', agent, '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json).toMatchObject({
      ok: true,
      agent: {
        name: agent,
        container: `agentctl-${agent}`,
        state: 'running',
        running: true,
        exitCode: null,
        oomKilled: false,
        image: f.image,
        imageDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        workspace,
        readOnly: false,
        command: ['sleep', '600'],
        limits: limitsIgnored
          ? { memory: null, pidsLimit: null, enforced: false, ignoredBecause: expect.stringContaining(ignoredLimits) }
          : { memory: 200 * 1024 * 1024, pidsLimit: 99, enforced: true },
        secrets: ['INSPECT_TOKEN'],
        loosened: [],
        labels: {},
      },
    });
    expect(result.json.agent.id).toMatch(/^[0-9a-f]{64}$/);
    // What the engine itself kept of the limits asked (none, where inspect says they are ignored).
    const { HostConfig } = await f.docker.getContainer(`agentctl-${agent}`).inspect();
    expect([HostConfig.Memory, HostConfig.PidsLimit ?? 0]).toEqual(limitsIgnored ? [0, 0] : [200 * 1024 * 1024, 99]);
    expect(result.json.agent.environment).toEqual(expect.arrayContaining(['INSPECT_SETTING', 'INSPECT_TOKEN_FILE']));
    expect(result.json.agent.mounts).toEqual(
      expect.arrayContaining([{ source: workspace, target: '/workspace', readOnly: false }]),
    );
  });

  it('the human form reads as sections of facts', async () => {
    const result = await f.cli(['inspect', agent]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Agent\n {2}name +/);
    expect(result.stdout).toMatch(new RegExp(`\\n {2}workspace +${workspace}\\n`));
    if (limitsIgnored) {
      expect(result.stdout).toMatch(/\n {2}memory +ignored\n {2}pids +ignored\n/);
      expect(result.stdout).toMatch(new RegExp(`\\n {2}ignored because +rootless .*${ignoredLimits}\\n`));
    } else expect(result.stdout).toMatch(/\n {2}memory +200m\n {2}pids +99\n/);
    expect(result.stdout).toMatch(/\n {2}secrets +INSPECT_TOKEN\n/);
  });

  it('an agent that ended shows its exit code', async () => {
    const result = await f.cli(['inspect', ended, '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json.agent).toMatchObject({ name: ended, running: false, exitCode: 3, readOnly: true });
    expect((await f.cli(['inspect', ended])).stdout).toMatch(/\n {2}state +exited \(3\)\n/);
  });

  it('never shows the value of a secret or an environment variable, in any form', async () => {
    for (const args of [
      ['inspect', agent],
      ['inspect', agent, '--json'],
      ['inspect', agent, '--verbose'],
    ]) {
      const result = await f.cli(args);
      expect(result.exitCode, result.stderr).toBe(0);
      for (const value of [SECRET, ENV_VALUE]) {
        expect(result.stdout).not.toContain(value);
        expect(result.stderr).not.toContain(value);
      }
    }
  });

  it('an unknown agent is AGENT_NOT_FOUND (exit 7)', async () => {
    const result = await f.cli(['inspect', f.agentName('nobody'), '--json']);
    expect(result.exitCode).toBe(7);
    expect(result.json.error.code).toBe('AGENT_NOT_FOUND');
  });
});
