import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';
import { validateConfig } from './validate.js';

// load-config takes the engine's host and kind without loading the schema when they are plainly
// valid (start-up time); these check that the shortcut accepts only what the schema accepts.
function dirs() {
  const root = mkdtempSync(path.join(tmpdir(), 'agentctl-engine-layer-'));
  mkdirSync(path.join(root, 'home'), { recursive: true });
  writeFileSync(path.join(root, 'package.json'), '{"name":"sample"}');
  return { cwd: root, homedir: path.join(root, 'home') };
}

describe('engine-only config layers', () => {
  it('takes AGENTCTL_HOST and --runtime as the schema would', async () => {
    const loaded = await loadConfig({ ...dirs(), env: { AGENTCTL_HOST: 'unix:///run/podman/podman.sock' } }, [
      { flag: '--runtime', path: ['runtime'], value: 'podman' },
    ]);
    expect(loaded.config).toMatchObject({ host: 'unix:///run/podman/podman.sock', runtime: 'podman' });
    expect(loaded.sources.get('host')).toBe('env AGENTCTL_HOST');
    expect(validateConfig({ host: 'unix:///run/podman/podman.sock', runtime: 'podman' }, 'test')).toEqual({
      host: 'unix:///run/podman/podman.sock',
      runtime: 'podman',
    });
  });

  it('still rejects an engine kind the schema does not know, naming the variable', async () => {
    await expect(loadConfig({ ...dirs(), env: { AGENTCTL_RUNTIME: 'lxc' } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('AGENTCTL_RUNTIME'),
    });
  });
});
