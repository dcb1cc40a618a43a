import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fakeEnvironment } from '../../../test/helpers/detection-environment.js';
import { RuntimeNotFoundError } from '../../shared/errors.js';
import type { Endpoint } from '../endpoint.js';
import type { ProbeResult } from '../probe.js';
import { detectRuntime } from './detect-runtime.js';

type Answer = 'docker' | 'podman' | Exclude<ProbeResult, { ok: true }>['outcome'];

/** A probe fake answering per URL; it fails the test on a URL it was not told about. */
function fakeProbe(answers: Record<string, Answer>) {
  const calls: string[] = [];
  const probe = async (endpoint: Endpoint): Promise<ProbeResult> => {
    calls.push(endpoint.url);
    const answer = answers[endpoint.url];
    if (answer === undefined) throw new Error(`unexpected probe of ${endpoint.url}`);
    if (answer === 'docker' || answer === 'podman') {
      return {
        ok: true,
        client: {} as never,
        version: { kind: answer, version: answer === 'docker' ? '27.0.1' : '5.2.0', apiVersion: '1.41' },
      };
    }
    return { ok: false, outcome: answer, detail: answer };
  };
  return { probe, calls };
}

const socket = 'socket';
const sha = (name: string) => createHash('sha256').update(name).digest('hex');

async function notFound(promise: Promise<unknown>): Promise<RuntimeNotFoundError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RuntimeNotFoundError);
  return error as RuntimeNotFoundError;
}

describe('detectRuntime', () => {
  it('costs one ping on the happy path: absent sockets are ruled out without connecting', async () => {
    const environment = fakeEnvironment({
      env: { XDG_RUNTIME_DIR: '/run/user/1000' },
      files: { '/var/run/docker.sock': socket },
    });
    const { probe, calls } = fakeProbe({ 'unix:///var/run/docker.sock': 'docker' });
    const detected = await detectRuntime({ environment, probe });
    expect(calls).toEqual(['unix:///var/run/docker.sock']);
    expect(detected.strategy).toBe('default-socket');
    expect(detected.probe.version.kind).toBe('docker');
    expect(detected.attempts.at(-1)).toMatchObject({ endpoint: 'unix:///var/run/docker.sock', outcome: 'ok' });
    expect(detected.attempts.slice(0, -1).every((a) => a.outcome === 'absent')).toBe(true);
    expect(detected.attempts.map((a) => a.endpoint)).toContain('unix:///run/user/1000/podman/podman.sock');
  });

  it('follows the precedence explicit > DOCKER_HOST > context > podman > desktop-likes > default socket', async () => {
    const files = {
      '/home/ada/.docker/config.json': JSON.stringify({ currentContext: 'ctx' }),
      [`/home/ada/.docker/contexts/meta/${sha('ctx')}/meta.json`]: JSON.stringify({
        Endpoints: { docker: { Host: 'unix:///ctx.sock' } },
      }),
      '/ctx.sock': socket,
      '/env.sock': socket,
      '/explicit.sock': socket,
      '/run/user/1000/podman/podman.sock': socket,
      '/home/ada/.rd/docker.sock': socket,
      '/var/run/docker.sock': socket,
    };
    const answers: Record<string, Answer> = {
      'unix:///explicit.sock': 'podman',
      'unix:///env.sock': 'docker',
      'unix:///ctx.sock': 'docker',
      'unix:///run/user/1000/podman/podman.sock': 'podman',
      'unix:///home/ada/.rd/docker.sock': 'docker',
      'unix:///var/run/docker.sock': 'docker',
    };
    const env = { XDG_RUNTIME_DIR: '/run/user/1000', DOCKER_HOST: 'unix:///env.sock' };
    const order: string[] = [];
    for (const [host, dropEnv, dropFile] of [
      ['/explicit.sock', false, undefined],
      [undefined, false, undefined],
      [undefined, true, undefined],
      // A selected context is final (like DOCKER_HOST): only without it do the later strategies run.
      [undefined, true, '/home/ada/.docker/config.json'],
      [undefined, true, '/run/user/1000/podman/podman.sock'],
      [undefined, true, '/home/ada/.rd/docker.sock'],
    ] as const) {
      if (dropFile) delete (files as Record<string, string>)[dropFile];
      const { probe, calls } = fakeProbe(answers);
      const detected = await detectRuntime({
        environment: fakeEnvironment({ env: dropEnv ? { XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR } : env, files, host }),
        probe,
      });
      expect(calls).toHaveLength(1);
      order.push(detected.strategy);
    }
    expect(order).toEqual(['explicit', 'env', 'docker-context', 'podman', 'rancher-desktop', 'default-socket']);
  });

  it('with --runtime podman skips Docker-only sockets unpinged and rejects a Docker answer', async () => {
    const environment = fakeEnvironment({
      runtime: 'podman',
      env: { XDG_RUNTIME_DIR: '/run/user/1000' },
      files: { '/run/user/1000/docker.sock': socket, '/var/run/docker.sock': socket },
    });
    const { probe, calls } = fakeProbe({ 'unix:///var/run/docker.sock': 'docker' });
    const error = await notFound(detectRuntime({ environment, probe }));
    expect(calls).toEqual(['unix:///var/run/docker.sock']);
    expect(error.message).toContain('No podman engine found');
    expect(error.details?.attempts).toContainEqual(
      expect.objectContaining({ endpoint: 'unix:///var/run/docker.sock', outcome: 'wrong-kind' }),
    );
    expect(error.hint).toContain('drop --runtime podman');
  });

  it('with --runtime podman finds Podman behind the default socket (podman-mac-helper)', async () => {
    const environment = fakeEnvironment({
      platform: 'darwin',
      runtime: 'podman',
      files: { '/var/run/docker.sock': socket },
    });
    const { probe } = fakeProbe({ 'unix:///var/run/docker.sock': 'podman' });
    expect((await detectRuntime({ environment, probe })).probe.version.kind).toBe('podman');
  });

  it('tries nothing else after an explicit --host', async () => {
    const environment = fakeEnvironment({
      host: 'unix:///dead.sock',
      files: { '/dead.sock': socket, '/var/run/docker.sock': socket },
    });
    const { probe, calls } = fakeProbe({ 'unix:///dead.sock': 'connection-refused' });
    const error = await notFound(detectRuntime({ environment, probe }));
    expect(calls).toEqual(['unix:///dead.sock']);
    expect(error.details?.attempts).toEqual([
      {
        strategy: 'explicit',
        endpoint: 'unix:///dead.sock',
        outcome: 'connection-refused',
        detail: 'connection-refused',
      },
    ]);
  });

  it('lists every attempt with its outcome and a Linux fix for permission denied', async () => {
    const environment = fakeEnvironment({
      env: { XDG_RUNTIME_DIR: '/run/user/1000' },
      files: { '/run/user/1000/podman/podman.sock': socket, '/var/run/docker.sock': socket },
    });
    const { probe } = fakeProbe({
      'unix:///run/user/1000/podman/podman.sock': 'timed-out',
      'unix:///var/run/docker.sock': 'permission-denied',
    });
    const error = await notFound(detectRuntime({ environment, probe }));
    expect(error.message).toMatch(
      /unix:\/\/\/run\/user\/1000\/podman\/podman\.sock \(podman\): timed out;.*unix:\/\/\/var\/run\/docker\.sock \(default-socket\): permission denied/,
    );
    expect(error.hint).toContain('usermod -aG docker');
  });

  it('suggests starting the VM on macOS when a socket refuses connections', async () => {
    const environment = fakeEnvironment({
      platform: 'darwin',
      homedir: '/Users/ada',
      files: { '/Users/ada/.colima/default/docker.sock': socket },
    });
    const { probe } = fakeProbe({ 'unix:///Users/ada/.colima/default/docker.sock': 'connection-refused' });
    const error = await notFound(detectRuntime({ environment, probe }));
    expect(error.hint).toContain('colima start');
    expect(error.hint).toContain('podman machine start');
  });

  it('names the broken Docker context in the error, and still finds an engine after it', async () => {
    const files = { '/home/ada/.docker/config.json': JSON.stringify({ currentContext: 'gone' }) };
    const failing = await notFound(
      detectRuntime({ environment: fakeEnvironment({ files }), probe: fakeProbe({}).probe }),
    );
    expect(failing.details?.attempts).toContainEqual(
      expect.objectContaining({ strategy: 'docker-context', endpoint: 'context "gone"', outcome: 'error' }),
    );
    expect(failing.hint).toContain('docker context use default');

    const withSocket = { ...files, '/var/run/docker.sock': socket };
    const detected = await detectRuntime({
      environment: fakeEnvironment({ files: withSocket }),
      probe: fakeProbe({ 'unix:///var/run/docker.sock': 'docker' }).probe,
    });
    expect(detected.strategy).toBe('default-socket');
  });

  it('tries the named pipes on Windows and suggests Docker Desktop or Podman', async () => {
    const environment = fakeEnvironment({ platform: 'win32', homedir: 'C:\\Users\\ada' });
    const { probe, calls } = fakeProbe({
      'npipe:////./pipe/docker_engine': 'absent',
      'npipe:////./pipe/podman-machine-default': 'absent',
    });
    const error = await notFound(detectRuntime({ environment, probe }));
    expect(calls).toEqual(['npipe:////./pipe/docker_engine', 'npipe:////./pipe/podman-machine-default']);
    expect(error.hint).toContain('Docker Desktop');
  });

  it('explains an endpoint that is not a container engine', async () => {
    const environment = fakeEnvironment({ env: { DOCKER_HOST: 'tcp://127.0.0.1:8080' } });
    const { probe } = fakeProbe({ 'tcp://127.0.0.1:8080': 'not-an-engine' });
    const error = await notFound(detectRuntime({ environment, probe }));
    expect(error.hint).toContain('is not a container engine API');
  });

  it('gives a busy local engine, and an ssh host (ssh connects within 10 s), longer to answer than a TCP host', async () => {
    const timeouts: Record<string, number> = {};
    const { probe } = fakeProbe({
      'tcp://10.0.0.9:2375': 'timed-out',
      'ssh://dev@10.0.0.9': 'timed-out',
      'unix:///var/run/docker.sock': 'docker',
    });
    const recording = (endpoint: Endpoint, timeoutMs: number) => (
      (timeouts[endpoint.url] = timeoutMs),
      probe(endpoint)
    );
    await notFound(
      detectRuntime({
        environment: fakeEnvironment({ env: { DOCKER_HOST: 'tcp://10.0.0.9:2375' } }),
        probe: recording,
      }),
    );
    await notFound(
      detectRuntime({
        environment: fakeEnvironment({ env: { DOCKER_HOST: 'ssh://dev@10.0.0.9' } }),
        probe: recording,
      }),
    );
    await detectRuntime({
      environment: fakeEnvironment({ files: { '/var/run/docker.sock': socket } }),
      probe: recording,
    });
    expect(timeouts).toEqual({
      'tcp://10.0.0.9:2375': 3000,
      'ssh://dev@10.0.0.9': 15_000,
      'unix:///var/run/docker.sock': 10_000,
    });
  });

  it('logs every attempt (for --verbose), also on success', async () => {
    const lines: string[] = [];
    const environment = fakeEnvironment({
      env: { XDG_RUNTIME_DIR: '/run/user/1000' },
      files: { '/var/run/docker.sock': socket },
    });
    await detectRuntime({
      environment,
      probe: fakeProbe({ 'unix:///var/run/docker.sock': 'docker' }).probe,
      log: (l) => lines.push(l),
    });
    expect(lines).toContain('podman: unix:///run/user/1000/podman/podman.sock → absent (no socket at this path)');
    expect(lines.at(-1)).toBe('default-socket: unix:///var/run/docker.sock → ok (docker 27.0.1)');
  });
});

describe('an endpoint the user set is the only one tried (as the docker CLI does)', () => {
  const live = { '/var/run/docker.sock': socket };

  it('does not fall back from a DOCKER_HOST with no socket to the default socket', async () => {
    const environment = fakeEnvironment({ env: { DOCKER_HOST: 'unix:///nowhere' }, files: live });
    const { probe, calls } = fakeProbe({ 'unix:///var/run/docker.sock': 'docker' });
    const error = await notFound(detectRuntime({ environment, probe }));
    expect(calls).toEqual([]);
    expect(error.code).toBe('RUNTIME_NOT_FOUND');
    expect(error.message).toBe(
      'No container engine answers at the endpoint you set, and agentctl tries no other: unix:///nowhere (DOCKER_HOST): absent (no socket at this path)',
    );
    expect(error.hint).toBe(
      'Nothing listens at unix:///nowhere: start the engine there, point DOCKER_HOST at a running engine, or unset DOCKER_HOST to let agentctl look for one',
    );
    expect(error.details?.attempts).toEqual([
      { strategy: 'env', endpoint: 'unix:///nowhere', outcome: 'absent', detail: 'no socket at this path' },
    ]);
  });

  it('does not fall back from a DOCKER_HOST that refuses connections or times out', async () => {
    for (const [outcome, fix] of [
      ['connection-refused', 'Nothing accepts connections at tcp://10.0.0.9:2375'],
      ['timed-out', 'did not answer in time'],
      ['not-an-engine', 'tcp://10.0.0.9:2375 is not a container engine API'],
    ] as const) {
      const environment = fakeEnvironment({ env: { DOCKER_HOST: 'tcp://10.0.0.9:2375' }, files: live });
      const { probe, calls } = fakeProbe({ 'tcp://10.0.0.9:2375': outcome, 'unix:///var/run/docker.sock': 'docker' });
      const error = await notFound(detectRuntime({ environment, probe }));
      expect(calls).toEqual(['tcp://10.0.0.9:2375']);
      expect(error.hint).toContain(fix);
      expect(error.hint).toContain('unset DOCKER_HOST');
    }
  });

  it('tries DOCKER_HOST and CONTAINER_HOST when both are set, and nothing after them', async () => {
    const environment = fakeEnvironment({
      runtime: 'podman',
      env: { DOCKER_HOST: 'unix:///d.sock', CONTAINER_HOST: 'unix:///p.sock', XDG_RUNTIME_DIR: '/run/user/1000' },
      files: { '/d.sock': socket, '/run/user/1000/podman/podman.sock': socket },
    });
    const { probe, calls } = fakeProbe({
      'unix:///d.sock': 'docker',
      'unix:///run/user/1000/podman/podman.sock': 'podman',
    });
    const error = await notFound(detectRuntime({ environment, probe }));
    expect(calls).toEqual(['unix:///d.sock']);
    expect(error.message).toContain('No podman engine answers at the endpoint you set');
    expect(error.message).toContain('unix:///p.sock (CONTAINER_HOST): absent');
    expect(error.hint).toBe(
      'unix:///d.sock is not a podman engine: point DOCKER_HOST at a running engine, or unset DOCKER_HOST to let agentctl look for one, or drop --runtime podman',
    );
  });

  it('stops at CONTAINER_HOST alone, but passes over it (a Podman endpoint) with --runtime docker', async () => {
    const files = { ...live, '/p.sock': socket };
    const dead = fakeProbe({ 'unix:///p.sock': 'connection-refused', 'unix:///var/run/docker.sock': 'docker' });
    const error = await notFound(
      detectRuntime({
        environment: fakeEnvironment({ env: { CONTAINER_HOST: 'unix:///p.sock' }, files }),
        probe: dead.probe,
      }),
    );
    expect(dead.calls).toEqual(['unix:///p.sock']);
    expect(error.hint).toContain('unset CONTAINER_HOST');

    const asDocker = fakeProbe({ 'unix:///var/run/docker.sock': 'docker' });
    const detected = await detectRuntime({
      environment: fakeEnvironment({ runtime: 'docker', env: { CONTAINER_HOST: 'unix:///p.sock' }, files }),
      probe: asDocker.probe,
    });
    expect(detected.strategy).toBe('default-socket');
    expect(asDocker.calls).toEqual(['unix:///var/run/docker.sock']);
  });

  it('names the setting that gave --host: the flag, AGENTCTL_HOST or the config file', async () => {
    for (const [hostSource, name, undo] of [
      ['flag --host', '--host', 'drop --host'],
      ['env AGENTCTL_HOST', 'AGENTCTL_HOST', 'unset AGENTCTL_HOST'],
      [
        '/home/ada/.config/agentctl/config.yaml',
        '`host` in /home/ada/.config/agentctl/config.yaml',
        'remove `host` from /home/ada/.config/agentctl/config.yaml',
      ],
    ] as const) {
      const environment = fakeEnvironment({
        host: 'unix:///dead.sock',
        hostSource,
        env: { DOCKER_HOST: 'unix:///var/run/docker.sock' },
        files: { ...live, '/dead.sock': socket },
      });
      const { probe, calls } = fakeProbe({ 'unix:///dead.sock': 'connection-refused' });
      const error = await notFound(detectRuntime({ environment, probe }));
      expect(calls).toEqual(['unix:///dead.sock']);
      expect(error.message).toContain(`unix:///dead.sock (${name}): connection refused`);
      expect(error.hint).toBe(
        `Nothing accepts connections at unix:///dead.sock: start the engine there, or point ${name} at a running engine, or ${undo} to let agentctl look for one`,
      );
    }
  });

  it('for an ssh:// context that fails, the hint is the ssh command that shows why', async () => {
    const environment = fakeEnvironment({
      env: { DOCKER_CONTEXT: 'remote' },
      files: {
        [`/home/ada/.docker/contexts/meta/${sha('remote')}/meta.json`]: JSON.stringify({
          Endpoints: { docker: { Host: 'ssh://me@build-host:2222' } },
        }),
      },
    });
    const { probe, calls } = fakeProbe({ 'ssh://me@build-host:2222': 'error' });
    const error = await notFound(detectRuntime({ environment, probe }));
    expect(calls).toEqual(['ssh://me@build-host:2222']);
    expect(error.hint).toBe(
      'Check that `ssh -p 2222 me@build-host docker version` works in this shell without a prompt (host key in known_hosts, key in ssh-agent or ~/.ssh/config, docker installed on that host); or point DOCKER_CONTEXT=remote at a running engine, or unset DOCKER_CONTEXT to let agentctl look for one',
    );
  });
});
