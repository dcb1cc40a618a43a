import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deadSocket, linkSocket, temporaryHome, writeDockerContext } from '../helpers/detection-home.js';
import { testEngine } from '../helpers/engines.js';
import { runCli } from '../helpers/run-cli.js';

const { name, host, engines } = testEngine();
const other = name === 'docker' ? 'podman' : 'docker';
const otherHost = engines[other].host;

let sandbox: ReturnType<typeof temporaryHome>;
beforeEach(() => {
  sandbox = temporaryHome();
});
afterEach(() => sandbox.remove());

/** agentctl in a clean environment: a temp HOME and runtime directory (a user's own holds its rootless Podman), no DOCKER_HOST, nothing from this machine's user. */
function detect(env: Record<string, string> = {}, args: string[] = []) {
  return runCli(['version', '--json', ...args], {
    cleanEnv: true,
    env: { HOME: sandbox.home, XDG_RUNTIME_DIR: sandbox.runtimeDir, ...env },
  });
}

async function expectFound(result: Awaited<ReturnType<typeof detect>>, source: string) {
  expect(result.exitCode).toBe(0);
  expect(result.json.engine).toMatchObject({ reachable: true, kind: name, source });
}

// Routes that lead to the engine under test. Each engine run checks its own: the system-wide socket
// and the Docker-only per-user sockets are Docker's, CONTAINER_HOST and Podman's sockets Podman's.
const routes: Record<'docker' | 'podman', { title: string; source: string; setup: () => Record<string, string> }[]> = {
  docker: [
    { title: 'the system-wide /var/run/docker.sock', source: 'default-socket', setup: () => ({}) },
    {
      title: 'rootless Docker under XDG_RUNTIME_DIR',
      source: 'rootless-docker',
      setup: () => (
        linkSocket(path.join(sandbox.runtimeDir, 'docker.sock'), host),
        { XDG_RUNTIME_DIR: sandbox.runtimeDir }
      ),
    },
    {
      title: 'Docker Desktop for Linux under ~/.docker/desktop',
      source: 'docker-desktop',
      setup: () => (linkSocket(path.join(sandbox.home, '.docker', 'desktop', 'docker.sock'), host), {}),
    },
    {
      title: 'a Colima profile under ~/.colima',
      source: 'colima',
      setup: () => (linkSocket(path.join(sandbox.home, '.colima', 'work', 'docker.sock'), host), {}),
    },
    {
      title: 'Rancher Desktop under ~/.rd',
      source: 'rancher-desktop',
      setup: () => (linkSocket(path.join(sandbox.home, '.rd', 'docker.sock'), host), {}),
    },
  ],
  podman: [
    { title: 'CONTAINER_HOST', source: 'env', setup: () => ({ CONTAINER_HOST: host }) },
    {
      title: 'the rootless socket under XDG_RUNTIME_DIR',
      source: 'podman',
      setup: () => (
        linkSocket(path.join(sandbox.runtimeDir, 'podman', 'podman.sock'), host),
        { XDG_RUNTIME_DIR: sandbox.runtimeDir }
      ),
    },
  ],
};

describe(`engine detection finds ${name}`, () => {
  for (const route of routes[name]) {
    it(`through ${route.title}, reported as ${name} by its own answer`, async () => {
      await expectFound(await detect(route.setup()), route.source);
    });
  }

  it('through DOCKER_HOST', async () => {
    await expectFound(await detect({ DOCKER_HOST: host }), 'env');
  });

  it('through the current Docker context in ~/.docker/config.json', async () => {
    writeDockerContext(sandbox.home, `agentctl-test-${name}`, host, true);
    await expectFound(await detect(), 'docker-context');
  });

  it('through DOCKER_CONTEXT, over a config.json that names another context', async () => {
    writeDockerContext(sandbox.home, 'elsewhere', 'unix:///nonexistent/elsewhere.sock', true);
    writeDockerContext(sandbox.home, `agentctl-test-${name}`, host, false);
    await expectFound(await detect({ DOCKER_CONTEXT: `agentctl-test-${name}` }), 'docker-context');
  });

  // DOCKER_HOST and CONTAINER_HOST set are the only endpoints tried; with --runtime podman a live
  // Docker in DOCKER_HOST is passed over for CONTAINER_HOST, with --runtime docker CONTAINER_HOST (a
  // Podman endpoint) is not even pinged.
  it(`with --runtime ${name}, passing over a live ${other} engine in ${name === 'podman' ? 'DOCKER_HOST' : 'CONTAINER_HOST'}`, async () => {
    const env = name === 'podman' ? { DOCKER_HOST: otherHost, CONTAINER_HOST: host } : { CONTAINER_HOST: otherHost };
    const result = await runCli(['version', '--json', '--verbose', '--runtime', name], {
      cleanEnv: true,
      env: { HOME: sandbox.home, XDG_RUNTIME_DIR: sandbox.runtimeDir, ...env },
    });
    expect(result.exitCode).toBe(0);
    expect(result.json.engine).toMatchObject({
      reachable: true,
      kind: name,
      source: name === 'podman' ? 'env' : 'default-socket',
    });
    expect(result.stderr).toContain(
      name === 'podman'
        ? `${otherHost} → wrong-kind (answered as ${other}, but --runtime ${name} was asked for)`
        : `${otherHost} skipped (a podman socket; --runtime docker)`,
    );
  });

  it('logs every attempt with --verbose; a dead Docker context is final unless --runtime podman', async () => {
    // A dead context is final (docs/troubleshooting.md) unless Podman is asked for: then the routes after it run.
    writeDockerContext(sandbox.home, 'gone', 'unix:///nonexistent/docker.sock', true);
    // A route after the context (CONTAINER_HOST, Podman's first, comes before it).
    const route = name === 'docker' ? routes.docker[0]! : routes.podman[1]!;
    const result = await runCli(
      name === 'docker' ? ['ls', '--verbose'] : ['version', '--verbose', '--runtime', 'podman'],
      {
        cleanEnv: true,
        env: { HOME: sandbox.home, XDG_RUNTIME_DIR: sandbox.runtimeDir, ...route.setup() },
      },
    );
    if (name === 'docker') {
      expect(result.exitCode).toBe(4);
      expect(result.stderr).toContain(
        'detect docker-context: unix:///nonexistent/docker.sock → absent (no socket at this path)',
      );
      expect(result.stderr).toContain('run `docker context use default` to let agentctl look for one');
      return;
    }
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(
      'detect docker-context: unix:///nonexistent/docker.sock → absent (no socket at this path)',
    );
    expect(result.stderr).toMatch(new RegExp(`detect ${route.source}: \\S+ → ok \\(${name} `));
  });
});

describe('when no engine answers', () => {
  it('lists every candidate with its outcome, and stops at an explicit --host', async () => {
    const dead = await deadSocket(path.join(sandbox.runtimeDir, 'dead.sock'));
    const result = await runCli(['doctor', '--json', '--host', dead], {
      cleanEnv: true,
      env: { HOME: sandbox.home, XDG_RUNTIME_DIR: sandbox.runtimeDir, DOCKER_HOST: host },
    });
    expect(result.exitCode).toBe(10);
    const engine = result.json.checks.find((check: { id: string }) => check.id === 'engine');
    expect(engine).toMatchObject({
      status: 'fail',
      details: {
        code: 'RUNTIME_NOT_FOUND',
        attempts: [{ strategy: 'explicit', endpoint: dead, outcome: 'connection-refused' }],
      },
    });
    expect(engine.fix).toBe(
      `Nothing accepts connections at ${dead}: start the engine there, or point --host at a running engine, or drop --host to let agentctl look for one`,
    );
  });

  it('fails with exit 4 listing every route and its outcome, with --runtime podman and only dead or Docker routes', async () => {
    writeDockerContext(sandbox.home, 'gone', 'unix:///nonexistent/docker.sock', true);
    mkdirSync(path.join(sandbox.runtimeDir, 'podman'));
    const dead = await deadSocket(path.join(sandbox.runtimeDir, 'podman', 'podman.sock'));
    const result = await runCli(['ls', '--json', '--runtime', 'podman'], {
      cleanEnv: true,
      env: { HOME: sandbox.home, XDG_RUNTIME_DIR: sandbox.runtimeDir },
    });
    expect(result.exitCode).toBe(4);
    expect(result.json).toMatchObject({ ok: false, error: { code: 'RUNTIME_NOT_FOUND' } });
    expect(result.json.error.message).toContain('No podman engine found');
    expect(result.json.error.details.attempts).toEqual([
      {
        strategy: 'docker-context',
        endpoint: 'unix:///nonexistent/docker.sock',
        outcome: 'absent',
        detail: expect.any(String),
      },
      { strategy: 'podman', endpoint: dead, outcome: 'connection-refused', detail: expect.any(String) },
      { strategy: 'podman', endpoint: 'unix:///run/podman/podman.sock', outcome: 'absent', detail: expect.any(String) },
      {
        strategy: 'default-socket',
        endpoint: 'unix:///var/run/docker.sock',
        outcome: 'wrong-kind',
        detail: expect.stringContaining('answered as docker'),
      },
    ]);
    // Root's Podman is the system unit (its socket is /run/podman/podman.sock), a user's their own.
    expect(result.json.error.hint).toContain(
      process.getuid!() === 0
        ? '`systemctl enable --now podman.socket`'
        : '`systemctl --user enable --now podman.socket`',
    );
  });

  it('prints the listing and the fix on stderr without --json', async () => {
    const dead = await deadSocket(path.join(sandbox.runtimeDir, 'dead.sock'));
    const result = await runCli(['ls', '--host', dead], {
      cleanEnv: true,
      env: { HOME: sandbox.home, XDG_RUNTIME_DIR: sandbox.runtimeDir },
    });
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain(
      `error: No container engine answers at the endpoint you set, and agentctl tries no other: ${dead} (--host): connection refused`,
    );
    expect(result.stderr).toMatch(/hint: Nothing accepts connections at .* drop --host/);
  });

  it('names a broken Docker context', async () => {
    writeFileSync(writeDockerContext(sandbox.home, 'broken', host, true), '{"Endpoints":');
    // The sandbox's runtime directory: a user's own would hold a running rootless Podman socket.
    const result = await runCli(['ls', '--json', '--runtime', 'podman'], {
      cleanEnv: true,
      env: { HOME: sandbox.home, XDG_RUNTIME_DIR: sandbox.runtimeDir },
    });
    expect(result.exitCode).toBe(4);
    expect(result.json.error.details.attempts[0]).toMatchObject({
      strategy: 'docker-context',
      endpoint: 'context "broken"',
      outcome: 'error',
    });
    expect(result.json.error.hint).toContain('docker context use default');
  });
});
