import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authFiles, lookupRegistryAuth, normaliseAuthKey } from './registry-auth.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'agentctl-auth-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function writeJson(path: string, doc: unknown): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, JSON.stringify(doc));
  return path;
}

describe('registry credentials', () => {
  it('normalises config keys, including Docker Hub aliases', () => {
    expect(normaliseAuthKey('https://index.docker.io/v1/')).toEqual({ host: 'docker.io', path: '' });
    expect(normaliseAuthKey('127.0.0.1:5001')).toEqual({ host: '127.0.0.1:5001', path: '' });
    expect(normaliseAuthKey('https://ghcr.io')).toEqual({ host: 'ghcr.io', path: '' });
    expect(normaliseAuthKey('quay.io/team')).toEqual({ host: 'quay.io', path: 'team' });
  });

  it('reads base64 auths from ~/.docker/config.json', async () => {
    await writeJson(join(home, '.docker', 'config.json'), { auths: { '127.0.0.1:5001': { auth: b64('user:pa:ss') } } });
    const auth = await lookupRegistryAuth({ env: {}, homedir: home }, { registry: '127.0.0.1:5001', path: 'x/y' });
    expect(auth).toEqual({ username: 'user', password: 'pa:ss', serveraddress: '127.0.0.1:5001' });
  });

  it('honours DOCKER_CONFIG and maps Docker Hub to its historical key', async () => {
    const dir = join(home, 'custom');
    await writeJson(join(dir, 'config.json'), {
      auths: { 'https://index.docker.io/v1/': { auth: b64('hub:secret') } },
    });
    const auth = await lookupRegistryAuth(
      { env: { DOCKER_CONFIG: dir }, homedir: home },
      { registry: 'docker.io', path: 'library/debian' },
    );
    expect(auth).toMatchObject({ username: 'hub', password: 'secret', serveraddress: 'https://index.docker.io/v1/' });
  });

  it('asks a per-registry credential helper first, then the default store', async () => {
    await writeJson(join(home, '.docker', 'config.json'), {
      credHelpers: { 'ghcr.io': 'gh' },
      credsStore: 'desktop',
      auths: { 'ghcr.io': {} },
    });
    const calls: string[] = [];
    const runHelper = async (helper: string, input: string): Promise<string> => {
      calls.push(`${helper} ${input}`);
      if (helper === 'gh') return JSON.stringify({ ServerURL: input, Username: 'octo', Secret: 'tok' });
      return JSON.stringify({ ServerURL: input, Username: '<token>', Secret: 'identity' });
    };
    expect(
      await lookupRegistryAuth({ env: {}, homedir: home, runHelper }, { registry: 'ghcr.io', path: 'a/b' }),
    ).toEqual({ username: 'octo', password: 'tok', serveraddress: 'ghcr.io' });
    expect(
      await lookupRegistryAuth({ env: {}, homedir: home, runHelper }, { registry: 'quay.io', path: 'a/b' }),
    ).toEqual({ identitytoken: 'identity', serveraddress: 'quay.io' });
    expect(calls).toEqual(['gh ghcr.io', 'desktop quay.io']);
  });

  it('treats a failing helper as no credentials', async () => {
    await writeJson(join(home, '.docker', 'config.json'), { credsStore: 'missing' });
    const runHelper = async (): Promise<string> => {
      throw new Error('credentials not found in native keychain');
    };
    expect(
      await lookupRegistryAuth({ env: {}, homedir: home, runHelper }, { registry: 'ghcr.io', path: 'a' }),
    ).toBeUndefined();
  });

  it("reads Podman's auth.json (REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR, ~/.config) with namespace keys", async () => {
    const runtimeDir = join(home, 'run');
    await writeJson(join(runtimeDir, 'containers', 'auth.json'), {
      auths: { 'quay.io/team': { auth: b64('t:1') }, 'quay.io': { auth: b64('q:2') } },
    });
    const deps = { env: { XDG_RUNTIME_DIR: runtimeDir }, homedir: home };
    expect(await lookupRegistryAuth(deps, { registry: 'quay.io', path: 'team/app' })).toMatchObject({
      username: 't',
      password: '1',
    });
    expect(await lookupRegistryAuth(deps, { registry: 'quay.io', path: 'other/app' })).toMatchObject({
      username: 'q',
      password: '2',
    });
    const explicit = await writeJson(join(home, 'explicit.json'), { auths: { 'quay.io': { auth: b64('e:3') } } });
    expect(
      await lookupRegistryAuth(
        { env: { ...deps.env, REGISTRY_AUTH_FILE: explicit }, homedir: home },
        { registry: 'quay.io', path: 'other/app' },
      ),
    ).toMatchObject({ username: 'e' });
    expect(authFiles({ env: {}, homedir: home })).toEqual([
      join(home, '.docker', 'config.json'),
      join(home, '.config', 'containers', 'auth.json'),
    ]);
  });

  it('returns undefined without any config', async () => {
    expect(await lookupRegistryAuth({ env: {}, homedir: home }, { registry: 'ghcr.io', path: 'a' })).toBeUndefined();
  });
});
