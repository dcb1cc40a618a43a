import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

const f = lifecycleFixture('wfrun');

describe(`agentctl run takes start's containment flags on ${f.engineName}`, () => {
  afterAll(() => f.cleanUp());

  it('run --read-only mounts the workspace read-only: the agent cannot write to it', async () => {
    const workspace = f.workspace();
    const name = f.agentName('ro');
    const result = await f.cli(
      [
        'run',
        name,
        '--rm',
        '--read-only',
        '--workspace',
        workspace,
        '--image',
        f.image,
        '--',
        'sh',
        '-c',
        'touch /workspace/written && echo wrote || echo refused',
      ],
      { cwd: workspace },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('refused');
    expect(existsSync(join(workspace, 'written'))).toBe(false);
  });

  it('run --docker-access socket is announced as a loosening and mounts the engine socket', async () => {
    const workspace = f.workspace();
    const name = f.agentName('sock');
    const result = await f.cli(
      [
        'run',
        name,
        '--rm',
        '--docker-access',
        'socket',
        '--workspace',
        workspace,
        '--image',
        f.image,
        '--',
        'sh',
        '-c',
        'test -S /var/run/docker.sock && echo socket-there',
      ],
      { cwd: workspace },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('socket-there');
    expect(result.stderr).toMatch(/can use the container engine \(--docker-access socket/);
  });
});
