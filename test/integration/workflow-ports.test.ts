import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

const f = lifecycleFixture('wfport');

// busybox httpd serving one page on port 8000 inside the agent.
const SERVE = [
  '--',
  'sh',
  '-c',
  'mkdir -p /tmp/www && echo served-by-agent > /tmp/www/index.html && exec httpd -f -p 8000 -h /tmp/www',
];

/** An address of this host that is not loopback (the machine's own interface address). */
function otherInterfaceAddress(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((item) => item && item.family === 'IPv4' && !item.internal);
  if (!found) throw new Error('this host has no non-loopback IPv4 address to test against');
  return found.address;
}

/** GET / on host:port: the body, or the error code (ECONNREFUSED, ETIMEDOUT…). */
function fetchPage(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', timeout: 5000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(`error:${error.code ?? error.message}`));
    req.end();
  });
}

/** The page, retried while httpd in the agent is still starting (generous: the machine is shared). */
async function fetchWhenUp(host: string, port: number): Promise<string> {
  let last = '';
  for (let attempt = 0; attempt < 60; attempt += 1) {
    last = await fetchPage(host, port);
    if (last === 'served-by-agent') return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return last;
}

async function boundPort(name: string): Promise<{ hostIp: string; hostPort: number }> {
  const result = await f.cli(['port', name, '8000', '--json']);
  expect(result.exitCode, result.stderr).toBe(0);
  expect(result.json.ports).toHaveLength(1);
  return result.json.ports[0];
}

describe(`agentctl start --publish and agentctl port on ${f.engineName}`, () => {
  afterAll(() => f.cleanUp());

  it('publishes on 127.0.0.1 by default: reachable there, not on another interface of the host; nothing announced', async () => {
    const workspace = f.workspace();
    const name = f.agentName('local');
    const started = await f.cli(
      ['start', name, '-d', '--json', '--workspace', workspace, '--image', f.image, '--publish', '0:8000', ...SERVE],
      { cwd: workspace },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    expect(started.json.agent.loosened).toEqual([]);
    expect(started.stderr).not.toContain('published beyond');
    const port = await boundPort(name);
    expect(port.hostIp).toBe('127.0.0.1');
    expect(port.hostPort).toBeGreaterThan(0);
    expect(await fetchWhenUp('127.0.0.1', port.hostPort)).toBe('served-by-agent');
    // inspect shows the same binding.
    const inspected = await f.cli(['inspect', name, '--json']);
    expect(inspected.exitCode, inspected.stderr).toBe(0);
    expect(JSON.stringify(inspected.json)).toContain(
      JSON.stringify({ hostIp: '127.0.0.1', hostPort: port.hostPort, containerPort: 8000, protocol: 'tcp' }),
    );
    const other = otherInterfaceAddress();
    expect(await fetchPage(other, port.hostPort), `reached on ${other}`).toMatch(/^error:/);

    const listed = await f.cli(['port', name]);
    expect(listed.stdout.trim()).toBe(`8000/tcp -> 127.0.0.1:${port.hostPort}`);
    const missing = await f.cli(['port', name, '9999', '--json']);
    expect(missing.exitCode).toBe(7);
    expect(missing.json.error.code).toBe('PORT_NOT_PUBLISHED');

    // A stopped agent resumes with the ports it has; another --publish is refused, never dropped.
    expect((await f.cli(['stop', name, '--timeout', '0'])).exitCode).toBe(0);
    const changed = await f.cli(['start', name, '-d', '--json', '--publish', '8001:8000']);
    expect(changed.exitCode).toBe(8);
    expect(changed.json.error).toMatchObject({
      code: 'AGENT_SETTINGS_DIFFER',
      message: expect.stringContaining('--publish'),
    });
  });

  it('0.0.0.0 written explicitly publishes on every interface, announced as a loosening', async () => {
    const workspace = f.workspace();
    const name = f.agentName('all');
    const started = await f.cli(
      [
        'start',
        name,
        '-d',
        '--json',
        '--workspace',
        workspace,
        '--image',
        f.image,
        '--publish',
        '0.0.0.0:0:8000',
        ...SERVE,
      ],
      { cwd: workspace },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    expect(started.stderr).toMatch(/has a port published beyond this machine \(--publish 0\.0\.0\.0:/);
    expect(started.json.agent.loosened).toEqual([
      { kind: 'published-port', value: expect.stringMatching(/^0\.0\.0\.0:.*->8000\/tcp$/) },
    ]);
    const port = await boundPort(name);
    expect(port.hostIp).toBe('0.0.0.0');
    expect(await fetchWhenUp(otherInterfaceAddress(), port.hostPort)).toBe('served-by-agent');
    // The engine's own record: the host port is the picked one (Podman picks it at create, Docker at start).
    const inspected = await f.cli(['inspect', name, '--json']);
    expect(inspected.json.agent.loosened).toEqual([
      { kind: 'published-port', value: expect.stringMatching(/^0\.0\.0\.0:(\(any\)|\d+)->8000\/tcp$/) },
    ]);
  });

  it('a host port already taken is PORT_IN_USE (exit 8), and the start leaves nothing behind', async () => {
    const server = createServer((_request, response) => response.end('host'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const taken = (server.address() as AddressInfo).port;
      const workspace = f.workspace();
      const name = f.agentName('taken');
      const result = await f.cli(
        ['start', name, '-d', '--json', '--workspace', workspace, '--image', f.image, '-p', `${taken}:8000`, ...SERVE],
        { cwd: workspace },
      );
      expect(result.exitCode, result.stdout).toBe(8);
      expect(result.json.error.code).toBe('PORT_IN_USE');
      expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a malformed --publish before anything is made (exit 2)', async () => {
    const workspace = f.workspace();
    const name = f.agentName('bad');
    const result = await f.cli(
      ['start', name, '-d', '--json', '--workspace', workspace, '--image', f.image, '-p', 'localhost:80:80'],
      {
        cwd: workspace,
      },
    );
    expect(result.exitCode).toBe(2);
    expect(result.json.error).toMatchObject({ code: 'INVALID_PUBLISH', message: expect.stringContaining('127.0.0.1') });
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
  });
});
