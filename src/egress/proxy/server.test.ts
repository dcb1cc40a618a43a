import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
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
let echo: net.Server;

beforeAll(async () => {
  echo = net.createServer((socket) => socket.pipe(socket));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  agent = await registration('limited', { policy: 'open' });
  writeRegistration(state, 'limited.json', agent);
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
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    },
    emit: (event) => events.push(event),
    log: () => {},
    upstreamCa: [],
    allowLoopback: true,
    maxConnectionsPerAgent: 1,
    maxHeaderSize: 2_048,
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
