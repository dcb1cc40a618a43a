import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentRegistration, EgressEvent } from '../contract.js';
import { connectThrough, proxyAuthorization, registration, writeRegistration } from './proxy-fixture.js';
import { createEgressProxy, type EgressProxy } from './server.js';

/** The proxy in this process, with a fake resolver: names that point at the metadata address, limits. */
const state = mkdtempSync(path.join(tmpdir(), 'agentctl-egress-server-test-'));
const events: EgressEvent[] = [];
const lookups: string[] = [];
let proxy: EgressProxy;
let port: number;
let agent: AgentRegistration;
/** Agents whose tokens are good only from their own addresses: by their address file, by their container's name. */
let named: AgentRegistration;
let misnamed: AgentRegistration;
/** An agent whose token is good only from the addresses in its address file. */
let bound: AgentRegistration;
let echo: net.Server;

beforeAll(async () => {
  echo = net.createServer((socket) => socket.pipe(socket));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  agent = await registration('limited', { policy: 'open' });
  writeRegistration(state, 'limited.json', agent);
  bound = await registration('bound', { policy: 'open', addressBound: true });
  writeRegistration(state, 'bound.json', bound);
  named = await registration('named', { policy: 'open', addressBound: true, resolveName: 'agentctl-named' });
  writeRegistration(state, 'named.json', named);
  misnamed = await registration('misnamed', { policy: 'open', addressBound: true, resolveName: 'agentctl-misnamed' });
  writeRegistration(state, 'misnamed.json', misnamed);
  proxy = createEgressProxy({
    stateDir: state,
    lookupAll: async (host) => {
      lookups.push(host);
      if (host === 'metadata.test') return [{ address: '169.254.169.254', family: 4 }];
      if (host === 'rebind.test')
        return [
          { address: '93.184.215.14', family: 4 },
          { address: 'fd00:ec2::254', family: 6 },
        ];
      if (host === 'echo.test') return [{ address: '127.0.0.1', family: 4 }];
      // The engine's DNS: each agent's container name, as an absolute name.
      if (host === 'agentctl-named.') return [{ address: '::ffff:127.0.0.1', family: 6 }];
      if (host === 'agentctl-misnamed.') return [{ address: '10.213.0.131', family: 4 }];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    },
    emit: (event) => events.push(event),
    log: () => {},
    upstreamCa: [],
    allowLoopback: true,
    maxConnectionsPerAgent: 1,
    maxHeaderSize: 2_048,
    addressWaitMs: 600,
  });
  port = await proxy.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await proxy.close();
  echo.close();
  rmSync(state, { recursive: true, force: true });
});

describe('createEgressProxy', () => {
  it('refuses names that resolve to a metadata address, before any connection (policy open)', async () => {
    for (const host of ['metadata.test', 'rebind.test']) {
      const answer = await connectThrough(port, `${host}:80`, proxyAuthorization(agent.token));
      expect(answer.status).toBe(403);
      expect(answer.body).toContain('cloud metadata address');
    }
    expect(lookups).toEqual(expect.arrayContaining(['metadata.test', 'rebind.test']));
    expect(events.filter((e) => e.reason === 'cloud metadata address').map((e) => e.host)).toEqual([
      'metadata.test',
      'rebind.test',
    ]);
  });

  it('tunnels bytes for an agent without secrets, and holds an agent to its connection limit', async () => {
    const echoPort = (echo.address() as AddressInfo).port;
    const first = await connectThrough(port, `echo.test:${echoPort}`, proxyAuthorization(agent.token));
    expect(first.status).toBe(200);
    first.socket.write('ping');
    const [data] = (await once(first.socket, 'data')) as [Buffer];
    expect(data.toString()).toBe('ping');
    const second = await connectThrough(port, `echo.test:${echoPort}`, proxyAuthorization(agent.token));
    expect(second.status).toBe(429);
    expect(events.at(-1)).toMatchObject({ agent: 'limited', action: 'denied', reason: 'too many connections' });
    first.socket.destroy();
  });

  it('answers 431 to request headers over the limit', async () => {
    const socket = net.connect(port, '127.0.0.1');
    socket.write(`CONNECT echo.test:1 HTTP/1.1\r\nHost: echo.test:1\r\nX-Big: ${'a'.repeat(4_096)}\r\n\r\n`);
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    await once(socket, 'close');
    expect(text).toMatch(/^HTTP\/1\.1 431 /);
  });
});

describe('a token bound to its agent’s addresses', () => {
  const addressFile = path.join(state, 'agents', 'bound.address');
  const echoTarget = () => `echo.test:${(echo.address() as AddressInfo).port}`;
  const plainGet = (token: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        path: `http://${echoTarget()}/`,
        headers: { 'proxy-authorization': proxyAuthorization(token) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  it('is refused from another address (CONNECT and plain HTTP), with an event that names its agent', async () => {
    // The agent's address is another one than this client's (127.0.0.1).
    writeFileSync(addressFile, '10.213.0.130\n');
    const started = Date.now();
    const answer = await connectThrough(port, echoTarget(), proxyAuthorization(bound.token));
    expect(answer.status).toBe(407);
    // It waited for agentctl to record the address first (addressWaitMs).
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(events.at(-1)).toMatchObject({
      agent: 'bound',
      action: 'denied',
      reason: 'proxy token from another address (127.0.0.1)',
    });
    expect(await plainGet(bound.token)).toBe(407);
    expect(events.at(-1)).toMatchObject({ agent: 'bound', reason: 'proxy token from another address (127.0.0.1)' });
  });

  it('is taken from the agent’s own address, also when agentctl writes it while the client waits', async () => {
    writeFileSync(addressFile, '');
    const answer = connectThrough(port, echoTarget(), proxyAuthorization(bound.token));
    setTimeout(() => writeFileSync(addressFile, '10.213.0.130\n127.0.0.1\n'), 150);
    const tunnel = await answer;
    expect(tunnel.status).toBe(200);
    tunnel.socket.write('bound');
    const [data] = (await once(tunnel.socket, 'data')) as [Buffer];
    expect(data.toString()).toBe('bound');
    tunnel.socket.destroy();
    // The proxy holds an agent to one connection here: until it has seen this one close.
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Now recorded: no wait.
    const started = Date.now();
    const again = await connectThrough(port, echoTarget(), proxyAuthorization(bound.token));
    expect(again.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(500);
    again.socket.destroy();
  });

  it('without an address file at all is refused; an unbound token is taken from anywhere', async () => {
    rmSync(addressFile, { force: true });
    expect((await connectThrough(port, echoTarget(), proxyAuthorization(bound.token))).status).toBe(407);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const open = await connectThrough(port, echoTarget(), proxyAuthorization(agent.token));
    expect(open.status).toBe(200);
    open.socket.destroy();
  });
});

describe('a token bound to its agent’s container name (Docker: the engine’s DNS names its address)', () => {
  const echoTarget = () => `echo.test:${(echo.address() as AddressInfo).port}`;

  it('is taken at once from the address the name resolves to, with no address file', async () => {
    lookups.length = 0;
    const started = Date.now();
    const tunnel = await connectThrough(port, echoTarget(), proxyAuthorization(named.token));
    expect(tunnel.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(500);
    expect(lookups).toContain('agentctl-named.');
    tunnel.socket.destroy();
  });

  it('is refused from an address its name does not resolve to, with an event that names its agent', async () => {
    const started = Date.now();
    const answer = await connectThrough(port, echoTarget(), proxyAuthorization(misnamed.token));
    expect(answer.status).toBe(407);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(events.at(-1)).toMatchObject({
      agent: 'misnamed',
      action: 'denied',
      reason: 'proxy token from another address (127.0.0.1)',
    });
  });
});
