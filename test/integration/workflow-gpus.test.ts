import { afterAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

const f = lifecycleFixture('wfgpu');

// This machine has no GPU (nor NVIDIA runtime or CDI spec): what is tested is that --gpus reaches
// the engine as each engine takes it, and that its refusal is a clear error leaving nothing behind.
// Handing a real GPU over is untested here (docs/user-guide.md says so).
describe(`agentctl start --gpus on ${f.engineName} without a GPU`, () => {
  afterAll(() => f.cleanUp());

  it('fails with GPUS_UNAVAILABLE (exit 12) and removes what the start made', async () => {
    const workspace = f.workspace();
    const name = f.agentName('none');
    const result = await f.cli(
      [
        'start',
        name,
        '-d',
        '--json',
        '--workspace',
        workspace,
        '--image',
        f.image,
        '--gpus',
        'all',
        '--',
        'sleep',
        '60',
      ],
      { cwd: workspace },
    );
    expect(result.exitCode, result.stdout).toBe(12);
    expect(result.json.error).toMatchObject({
      code: 'GPUS_UNAVAILABLE',
      message: expect.stringMatching(f.engineName === 'docker' ? /device driver.*gpu/ : /nvidia\.com\/gpu=all/),
    });
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
    expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
  });

  it('refuses a malformed --gpus before anything is made (exit 2)', async () => {
    const workspace = f.workspace();
    const result = await f.cli(
      ['start', f.agentName('bad'), '-d', '--json', '--workspace', workspace, '--gpus', 'some'],
      {
        cwd: workspace,
      },
    );
    expect(result.exitCode).toBe(2);
    expect(result.json.error.code).toBe('INVALID_GPUS');
  });
});
