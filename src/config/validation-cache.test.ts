import { mkdtempSync, readdirSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';
import { createValidationCache } from './validation-cache.js';

const fresh = () => {
  const runtimeDir = mkdtempSync(join(tmpdir(), 'agentctl-vcache-'));
  return { env: { XDG_RUNTIME_DIR: runtimeDir }, dir: join(runtimeDir, `agentctl-${process.getuid!()}`) };
};

describe('the config validation cache', () => {
  it('returns a validated layer as it was, for the same build only', async () => {
    const { env, dir } = fresh();
    const cache = createValidationCache(env, 'build-a');
    const layer = { resources: { cpus: 1 } };
    expect(await cache.get(layer)).toBeUndefined();
    await cache.set(layer, layer as never);
    expect(await cache.get(layer)).toBeUndefined(); // kept for save() only: nothing written yet
    await cache.save();
    expect(await cache.get({ resources: { cpus: 1 } })).toEqual(layer);
    expect(await cache.get({ resources: { cpus: 2 } })).toBeUndefined();
    expect(await createValidationCache(env, 'build-b').get(layer)).toBeUndefined();
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('trusts no file whose recorded layer differs (a collision or a planted file) and no foreign directory', async () => {
    const { env, dir } = fresh();
    const cache = createValidationCache(env, 'b');
    await cache.set({ a: 1 }, { a: 1 } as never);
    await cache.save();
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file!), JSON.stringify({ layer: { a: 2 }, config: { dataDir: '/evil' } }));
    expect(await cache.get({ a: 1 })).toBeUndefined();
    writeFileSync(join(dir, file!), JSON.stringify({ layer: { a: 1 }, config: { a: 1 } }));
    chmodSync(dir, 0o777);
    expect(await cache.get({ a: 1 })).toBeUndefined();
  });

  it('keeps nothing JSON cannot carry unchanged', async () => {
    const { env } = fresh();
    const cache = createValidationCache(env, 'b');
    const layer = { when: new Date(0) };
    await cache.set(layer, layer as never);
    await cache.save();
    expect(await cache.get(layer)).toBeUndefined();
  });

  it('never keeps a layer that fails validation: loadConfig reports it every time', async () => {
    const { env } = fresh();
    const validationCache = createValidationCache(env, 'b');
    const deps = { cwd: tmpdir(), env: { ...env, AGENTCTL_CPUS: 'many' }, homedir: tmpdir(), validationCache };
    await expect(loadConfig(deps)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await validationCache.save();
    await expect(loadConfig(deps)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const good = { ...deps, env: { ...env, AGENTCTL_CPUS: '1.5' } };
    const first = await loadConfig(good);
    await validationCache.save();
    const second = await loadConfig(good);
    expect(second.config).toEqual(first.config);
    expect(second.config.resources?.cpus).toBe(1.5);
  });
});
