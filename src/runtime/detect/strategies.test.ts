import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fakeEnvironment } from '../../../test/helpers/detection-environment.js';
import { colimaStrategy } from './colima-strategy.js';
import { defaultSocketStrategy } from './default-socket-strategy.js';
import { dockerContextStrategy } from './docker-context-strategy.js';
import { dockerDesktopStrategy } from './docker-desktop-strategy.js';
import { dockerHostStrategy } from './docker-host-strategy.js';
import { explicitStrategy } from './explicit-strategy.js';
import { orbstackStrategy } from './orbstack-strategy.js';
import { podmanSocketStrategy } from './podman-socket-strategy.js';
import { rancherDesktopStrategy } from './rancher-desktop-strategy.js';
import { rootlessDockerStrategy } from './rootless-docker-strategy.js';

const sha = (name: string) => createHash('sha256').update(name).digest('hex');
const urls = async (
  strategy: { candidates: typeof explicitStrategy.candidates },
  environment: ReturnType<typeof fakeEnvironment>,
) => (await strategy.candidates(environment)).endpoints.map((e) => e.url);

describe('explicit strategy', () => {
  it('uses --host alone and stops there, expecting the asked-for kind', async () => {
    const result = await explicitStrategy.candidates(fakeEnvironment({ host: '/run/x.sock', runtime: 'podman' }));
    expect(result).toEqual({
      endpoints: [{ url: 'unix:///run/x.sock', source: 'explicit', expectedKind: 'podman' }],
      final: true,
    });
  });

  it('proposes nothing without a host', async () => {
    expect(await urls(explicitStrategy, fakeEnvironment({ runtime: 'docker' }))).toEqual([]);
  });
});

describe('environment strategy (DOCKER_HOST, CONTAINER_HOST)', () => {
  it('takes DOCKER_HOST as is, and CONTAINER_HOST as a Podman endpoint', async () => {
    const result = await dockerHostStrategy.candidates(
      fakeEnvironment({ env: { DOCKER_HOST: 'unix:///tmp/d.sock', CONTAINER_HOST: 'unix:///tmp/p.sock' } }),
    );
    expect(result.endpoints).toEqual([
      { url: 'unix:///tmp/d.sock', source: 'DOCKER_HOST' },
      { url: 'unix:///tmp/p.sock', source: 'CONTAINER_HOST', expectedKind: 'podman' },
    ]);
  });

  it('reads TLS material from DOCKER_CERT_PATH for tcp:// with DOCKER_TLS_VERIFY', async () => {
    const result = await dockerHostStrategy.candidates(
      fakeEnvironment({
        env: { DOCKER_HOST: 'tcp://build.example:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' },
        files: { '/certs/ca.pem': 'CA', '/certs/cert.pem': 'CERT', '/certs/key.pem': 'KEY' },
      }),
    );
    expect(result.endpoints[0]!.tls).toEqual({ verify: true, certPath: '/certs', ca: 'CA', cert: 'CERT', key: 'KEY' });
  });

  it('accepts a Windows named pipe in DOCKER_HOST', async () => {
    expect(
      await urls(
        dockerHostStrategy,
        fakeEnvironment({ platform: 'win32', env: { DOCKER_HOST: 'npipe:////./pipe/docker_engine' } }),
      ),
    ).toEqual(['npipe:////./pipe/docker_engine']);
  });
});

describe('docker context strategy', () => {
  const meta = (name: string, host: string) =>
    JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } });

  it('follows currentContext in ~/.docker/config.json to the context meta.json', async () => {
    const environment = fakeEnvironment({
      files: {
        '/home/ada/.docker/config.json': JSON.stringify({ currentContext: 'colima' }),
        [`/home/ada/.docker/contexts/meta/${sha('colima')}/meta.json`]: meta(
          'colima',
          'unix:///home/ada/.colima/default/docker.sock',
        ),
      },
    });
    const result = await dockerContextStrategy.candidates(environment);
    expect(result.endpoints).toEqual([
      { url: 'unix:///home/ada/.colima/default/docker.sock', source: 'docker-context colima' },
    ]);
  });

  it('prefers DOCKER_CONTEXT and reads a tcp:// context with its TLS files', async () => {
    const id = sha('remote');
    const environment = fakeEnvironment({
      env: { DOCKER_CONTEXT: 'remote' },
      files: {
        '/home/ada/.docker/config.json': JSON.stringify({ currentContext: 'other' }),
        [`/home/ada/.docker/contexts/meta/${id}/meta.json`]: meta('remote', 'tcp://10.0.0.5:2376'),
        [`/home/ada/.docker/contexts/tls/${id}/docker/ca.pem`]: 'CA',
        [`/home/ada/.docker/contexts/tls/${id}/docker/cert.pem`]: 'CERT',
        [`/home/ada/.docker/contexts/tls/${id}/docker/key.pem`]: 'KEY',
      },
    });
    const [endpoint] = (await dockerContextStrategy.candidates(environment)).endpoints;
    expect(endpoint).toMatchObject({
      url: 'tcp://10.0.0.5:2376',
      tls: { verify: true, ca: 'CA', cert: 'CERT', key: 'KEY' },
    });
  });

  it('honours DOCKER_CONFIG', async () => {
    const environment = fakeEnvironment({
      env: { DOCKER_CONFIG: '/etc/dockercfg', DOCKER_CONTEXT: 'x' },
      files: { [`/etc/dockercfg/contexts/meta/${sha('x')}/meta.json`]: meta('x', 'unix:///x.sock') },
    });
    expect(await urls(dockerContextStrategy, environment)).toEqual(['unix:///x.sock']);
  });

  it('leaves the "default" context to the later strategies', async () => {
    const environment = fakeEnvironment({
      files: { '/home/ada/.docker/config.json': JSON.stringify({ currentContext: 'default' }) },
    });
    expect(await dockerContextStrategy.candidates(environment)).toMatchObject({
      endpoints: [],
      skipped: expect.any(String),
    });
  });

  it('reports a broken meta.json instead of failing detection', async () => {
    const environment = fakeEnvironment({
      env: { DOCKER_CONTEXT: 'broken' },
      files: { [`/home/ada/.docker/contexts/meta/${sha('broken')}/meta.json`]: '{ "Endpoints": ' },
    });
    const result = await dockerContextStrategy.candidates(environment);
    expect(result.endpoints).toEqual([]);
    expect(result.invalid).toMatchObject({
      endpoint: 'context "broken"',
      detail: expect.stringContaining('not valid JSON'),
    });
  });

  it('reports a context that does not exist and one without a docker endpoint', async () => {
    const missing = await dockerContextStrategy.candidates(fakeEnvironment({ env: { DOCKER_CONTEXT: 'gone' } }));
    expect(missing.invalid?.detail).toContain('context not found');
    const empty = await dockerContextStrategy.candidates(
      fakeEnvironment({
        env: { DOCKER_CONTEXT: 'k8s' },
        files: { [`/home/ada/.docker/contexts/meta/${sha('k8s')}/meta.json`]: '{"Endpoints":{}}' },
      }),
    );
    expect(empty.invalid?.detail).toContain('no Endpoints.docker.Host');
  });

  it('reports an unreadable config.json', async () => {
    const result = await dockerContextStrategy.candidates(
      fakeEnvironment({ files: { '/home/ada/.docker/config.json': 'not json' } }),
    );
    expect(result.invalid?.detail).toContain('not valid JSON');
  });

  it('finds the context files under a Windows home', async () => {
    const environment = fakeEnvironment({
      platform: 'win32',
      homedir: 'C:\\Users\\ada',
      files: {
        'C:\\Users\\ada\\.docker\\config.json': JSON.stringify({ currentContext: 'desktop-linux' }),
        [`C:\\Users\\ada\\.docker\\contexts\\meta\\${sha('desktop-linux')}\\meta.json`]: meta(
          'desktop-linux',
          'npipe:////./pipe/dockerDesktopLinuxEngine',
        ),
      },
    });
    expect(await urls(dockerContextStrategy, environment)).toEqual(['npipe:////./pipe/dockerDesktopLinuxEngine']);
  });
});

describe('podman socket strategy', () => {
  it('proposes the rootless socket under XDG_RUNTIME_DIR, then the rootful one, as Podman endpoints', async () => {
    const result = await podmanSocketStrategy.candidates(
      fakeEnvironment({ env: { XDG_RUNTIME_DIR: '/run/user/1000' } }),
    );
    expect(result.endpoints).toEqual([
      { url: 'unix:///run/user/1000/podman/podman.sock', source: 'podman rootless', expectedKind: 'podman' },
      { url: 'unix:///run/podman/podman.sock', source: 'podman rootful', expectedKind: 'podman' },
    ]);
  });

  it('falls back to /run/user/<uid> when XDG_RUNTIME_DIR is unset', async () => {
    expect(await urls(podmanSocketStrategy, fakeEnvironment({ uid: 1001 }))).toEqual([
      'unix:///run/user/1001/podman/podman.sock',
      'unix:///run/podman/podman.sock',
    ]);
  });

  it('on macOS proposes each Podman machine socket (Podman 5 in TMPDIR, Podman 4 under the data dir)', async () => {
    const environment = fakeEnvironment({
      platform: 'darwin',
      homedir: '/Users/ada',
      env: { TMPDIR: '/var/folders/xy/T/' },
      files: {
        '/Users/ada/.config/containers/podman/machine/applehv/dev.json': '{}',
        '/Users/ada/.local/share/containers/podman/machine/qemu/podman.sock': 'socket',
      },
    });
    expect(await urls(podmanSocketStrategy, environment)).toEqual([
      'unix:///var/folders/xy/T/podman/podman-machine-default-api.sock',
      'unix:///var/folders/xy/T/podman/dev-api.sock',
      'unix:///Users/ada/.local/share/containers/podman/machine/qemu/podman.sock',
      'unix:///Users/ada/.local/share/containers/podman/machine/podman-machine-default/podman.sock',
      'unix:///Users/ada/.local/share/containers/podman/machine/podman.sock',
    ]);
  });

  it('leaves Windows to the named pipes', async () => {
    expect(await urls(podmanSocketStrategy, fakeEnvironment({ platform: 'win32' }))).toEqual([]);
  });
});

describe('per-user docker sockets', () => {
  const mac = fakeEnvironment({
    platform: 'darwin',
    homedir: '/Users/ada',
    files: { '/Users/ada/.colima/work/docker.sock': 'socket', '/Users/ada/.colima/_lima/x': '' },
  });
  const linux = fakeEnvironment({ env: { XDG_RUNTIME_DIR: '/run/user/1000' } });

  it('rootless Docker lives in XDG_RUNTIME_DIR on Linux only', async () => {
    expect(await urls(rootlessDockerStrategy, linux)).toEqual(['unix:///run/user/1000/docker.sock']);
    expect(await urls(rootlessDockerStrategy, mac)).toEqual([]);
  });

  it('Docker Desktop: ~/.docker/run on macOS, ~/.docker/desktop on Linux, pipes on Windows', async () => {
    expect(await urls(dockerDesktopStrategy, mac)).toEqual(['unix:///Users/ada/.docker/run/docker.sock']);
    expect(await urls(dockerDesktopStrategy, linux)).toEqual(['unix:///home/ada/.docker/desktop/docker.sock']);
    expect(await urls(dockerDesktopStrategy, fakeEnvironment({ platform: 'win32' }))).toEqual([]);
  });

  it('Colima: the default profile first, then every other profile', async () => {
    expect(await urls(colimaStrategy, mac)).toEqual([
      'unix:///Users/ada/.colima/default/docker.sock',
      'unix:///Users/ada/.colima/work/docker.sock',
    ]);
    expect(
      await urls(colimaStrategy, fakeEnvironment({ platform: 'darwin', env: { COLIMA_HOME: '/opt/colima' } })),
    ).toEqual(['unix:///opt/colima/default/docker.sock']);
  });

  it('OrbStack on macOS, Rancher Desktop on macOS and Linux', async () => {
    expect(await urls(orbstackStrategy, mac)).toEqual(['unix:///Users/ada/.orbstack/run/docker.sock']);
    expect(await urls(orbstackStrategy, linux)).toEqual([]);
    expect(await urls(rancherDesktopStrategy, mac)).toEqual(['unix:///Users/ada/.rd/docker.sock']);
    expect(await urls(rancherDesktopStrategy, linux)).toEqual(['unix:///home/ada/.rd/docker.sock']);
  });

  it('marks each as a Docker endpoint', async () => {
    for (const strategy of [rootlessDockerStrategy, dockerDesktopStrategy, colimaStrategy, rancherDesktopStrategy]) {
      for (const endpoint of (await strategy.candidates(linux)).endpoints) expect(endpoint.expectedKind).toBe('docker');
    }
  });
});

describe('default socket strategy', () => {
  it('is /var/run/docker.sock on Linux and macOS, whatever engine is behind it', async () => {
    const result = await defaultSocketStrategy.candidates(fakeEnvironment({ platform: 'darwin' }));
    expect(result.endpoints).toEqual([{ url: 'unix:///var/run/docker.sock', source: 'default-socket' }]);
  });

  it('is the Docker Desktop and Podman machine pipes on Windows', async () => {
    expect(await urls(defaultSocketStrategy, fakeEnvironment({ platform: 'win32' }))).toEqual([
      'npipe:////./pipe/docker_engine',
      'npipe:////./pipe/podman-machine-default',
    ]);
  });
});
