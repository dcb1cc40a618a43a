import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deadSocket, linkSocket, temporaryHome } from '../helpers/detection-home.js';
import { testEngine } from '../helpers/engines.js';
import { runCli } from '../helpers/run-cli.js';

// Defects of issue 16, one test (or table row) each, named after the defect, on the engine under test.
const { name: engineName, host } = testEngine();

describe('an explicit DOCKER_HOST that does not answer silently fell back to another engine', () => {
  let sandbox: ReturnType<typeof temporaryHome>;
  beforeEach(() => {
    sandbox = temporaryHome();
  });
  afterEach(() => sandbox.remove());

  /** A clean environment in which detection, left to itself, finds the engine under test. */
  function fallbackEnv(): Record<string, string> {
    // Docker's engine is the system-wide socket; Podman's is linked where a rootless Podman's would be.
    if (engineName === 'podman') linkSocket(path.join(sandbox.runtimeDir, 'podman', 'podman.sock'), host);
    return { HOME: sandbox.home, XDG_RUNTIME_DIR: sandbox.runtimeDir };
  }

  it('finds the engine in this environment when nothing is set (the control for the rows below)', async () => {
    const result = await runCli(['ls', '--json'], { cleanEnv: true, env: fallbackEnv() });
    expect(result.exitCode).toBe(0);
    expect(result.json.ok).toBe(true);
  });

  const rows: { title: string; setting: string; undo: string; env: () => Promise<Record<string, string>> }[] = [
    { title: 'DOCKER_HOST=unix:///nowhere', setting: 'DOCKER_HOST', undo: 'unset DOCKER_HOST', env: async () => ({ DOCKER_HOST: 'unix:///nowhere' }) },
    {
      title: 'DOCKER_HOST at a socket that refuses connections',
      setting: 'DOCKER_HOST',
      undo: 'unset DOCKER_HOST',
      env: async () => ({ DOCKER_HOST: await deadSocket(path.join(sandbox.runtimeDir, 'dead.sock')) }),
    },
    { title: 'CONTAINER_HOST=unix:///nowhere', setting: 'CONTAINER_HOST', undo: 'unset CONTAINER_HOST', env: async () => ({ CONTAINER_HOST: 'unix:///nowhere' }) },
    { title: 'AGENTCTL_HOST=unix:///nowhere', setting: 'AGENTCTL_HOST', undo: 'unset AGENTCTL_HOST', env: async () => ({ AGENTCTL_HOST: 'unix:///nowhere' }) },
  ];
  for (const row of rows) {
    it(`${row.title}: ls fails with RUNTIME_NOT_FOUND (exit 4) naming it, instead of listing another engine's agents`, async () => {
      const set = await row.env();
      const result = await runCli(['ls', '--json'], { cleanEnv: true, env: { ...fallbackEnv(), ...set } });
      expect(result.exitCode).toBe(4);
      expect(result.json).toMatchObject({ ok: false, error: { code: 'RUNTIME_NOT_FOUND' } });
      const endpoint = Object.values(set)[0]!;
      expect(result.json.error.message).toContain(`${endpoint} (${row.setting})`);
      expect(result.json.error.hint).toContain(row.undo);
      expect(result.json.error.details.attempts.map((a: { endpoint: string }) => a.endpoint)).toEqual([endpoint]);
    });
  }

  it('DOCKER_HOST=unix:///nowhere agentctl ls: the human error names DOCKER_HOST and the fix', async () => {
    const result = await runCli(['ls'], { cleanEnv: true, env: { ...fallbackEnv(), DOCKER_HOST: 'unix:///nowhere' } });
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error: No container engine answers at the endpoint you set, and agentctl tries no other: unix:///nowhere (DOCKER_HOST)');
    expect(result.stderr).toContain('hint: Nothing listens at unix:///nowhere');
  });
});
