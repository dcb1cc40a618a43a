import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentRegistration } from '../contract.js';
import {
  connectThrough,
  makeUpstreamPki,
  proxyAuthorization,
  registration,
  startProxyProcess,
  startStandIn,
  tlsOver,
  writeRegistration,
  type ProxyProcess,
  type StandIn,
} from './proxy-fixture.js';

/**
 * dist/egress-proxy.cjs (`npm run build`) run as the gateway runs it, against stand-in services on
 * this machine: an HTTPS "API" the secret is bound to, a second HTTPS service it is not bound to,
 * and a plain HTTP one. Loopback is reachable only through the test-only switch, so the stand-ins
 * can be reached; a second proxy without it shows that loopback is refused even under `open`.
 */
const run = promisify(execFile);
const state = mkdtempSync(path.join(tmpdir(), 'agentctl-egress-proxy-test-'));
const placeholder = `agentctl-placeholder-${'p'.repeat(24)}`;
const realValue = `sk-real-${Math.random().toString(36).slice(2)}-value`;
let api: StandIn;
let other: StandIn;
let plain: StandIn;
let proxy: ProxyProcess;
let fixer: AgentRegistration;
let learner: AgentRegistration;
let opener: AgentRegistration;
let upstreamCaFile: string;
let fixerCaFile: string;
let release: () => void = () => {};

async function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('curl', ['--silent', '--show-error', '--max-time', '60', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  const pki = await makeUpstreamPki();
  upstreamCaFile = path.join(state, 'upstream-ca.pem');
  writeFileSync(upstreamCaFile, pki.ca.certPem);
  api = await startStandIn(pki.localhost, (req, res) => {
    if (req.url !== '/stream') return false;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('event: first\ndata: 1\n\n');
    release = () => res.end('event: last\ndata: 2\n\n');
    return true;
  });
  other = await startStandIn(pki.loopbackAddress);
  plain = await startStandIn(undefined);
  fixer = await registration('fixer', {
    allow: [`localhost:${api.port}`, `127.0.0.1:${other.port}`, `localhost:${plain.port}`],
    secrets: [
      {
        name: 'ANTHROPIC_API_KEY',
        placeholder,
        value: realValue,
        hosts: [`localhost:${api.port}`, `localhost:${plain.port}`],
        header: 'x-api-key',
        format: '{value}',
      },
    ],
  });
  fixerCaFile = path.join(state, 'fixer-ca.pem');
  writeFileSync(fixerCaFile, fixer.ca.certPem);
  learner = await registration('learner', { policy: 'learn' });
  opener = await registration('opener', { policy: 'open' });
  writeRegistration(state, 'fixer.json', fixer);
  writeRegistration(state, 'learner.json', learner);
  writeRegistration(state, 'opener.json', opener);
  writeRegistration(state, 'broken.json', '{"version": 1, "agent": "broken", "token": ');
  proxy = await startProxyProcess({
    AGENTCTL_EGRESS_STATE: state,
    AGENTCTL_EGRESS_UPSTREAM_CA: upstreamCaFile,
    AGENTCTL_EGRESS_TEST_ALLOW_LOOPBACK: '1',
  });
}, 60_000);

afterAll(async () => {
  if (process.env.DEBUG_EGRESS) console.log(proxy?.stderr(), proxy?.stdout());
  await proxy?.stop();
  await Promise.all([api, other, plain].map((standIn) => standIn?.close()));
  rmSync(state, { recursive: true, force: true });
});

const viaProxy = (agent: AgentRegistration) => [
  '--proxy',
  `http://127.0.0.1:${proxy.port}`,
  '--proxy-user',
  `agent:${agent.token}`,
];

describe('the egress proxy program (dist/egress-proxy.cjs)', () => {
  it('puts the real secret into the bound header of a request to its host (curl, the agent CA)', async () => {
    const result = await curl([
      ...viaProxy(fixer),
      '--cacert',
      fixerCaFile,
      '-H',
      `x-api-key: ${placeholder}`,
      `https://localhost:${api.port}/v1/messages`,
    ]);
    expect(result).toMatchObject({ code: 0, stdout: 'stand-in ok\n' });
    expect(api.requests.at(-1)?.headers['x-api-key']).toBe(realValue);
    expect(api.requests.at(-1)?.headers['proxy-authorization']).toBeUndefined();
    const event = await proxy.waitForEvent((e) => e.injected !== undefined);
    expect(event).toMatchObject({ agent: 'fixer', host: 'localhost', port: api.port, injected: ['ANTHROPIC_API_KEY'] });
  });

  it('leaves the placeholder as it is on a request to another host, and says so', async () => {
    const result = await curl([
      ...viaProxy(fixer),
      '--cacert',
      fixerCaFile,
      '-H',
      `x-api-key: ${placeholder}`,
      `https://127.0.0.1:${other.port}/collect`,
    ]);
    expect(result).toMatchObject({ code: 0, stdout: 'stand-in ok\n' });
    expect(other.requests.at(-1)?.headers['x-api-key']).toBe(placeholder);
    const event = await proxy.waitForEvent((e) => e.placeholderRefused !== undefined && e.port === other.port);
    expect(event).toMatchObject({ agent: 'fixer', host: '127.0.0.1', placeholderRefused: ['ANTHROPIC_API_KEY'] });
    expect(event.injected).toBeUndefined();
  });

  it('never puts a secret into plain HTTP, even to a bound host', async () => {
    const result = await curl([
      ...viaProxy(fixer),
      '-H',
      `x-api-key: ${placeholder}`,
      `http://localhost:${plain.port}/plain`,
    ]);
    expect(result).toMatchObject({ code: 0, stdout: 'stand-in ok\n' });
    expect(plain.requests.at(-1)?.headers['x-api-key']).toBe(placeholder);
    await proxy.waitForEvent((e) => e.port === plain.port && e.placeholderRefused?.[0] === 'ANTHROPIC_API_KEY');
  });

  it('refuses a host that is not on the allowlist, with a denied event', async () => {
    const result = await curl([...viaProxy(fixer), '--cacert', fixerCaFile, 'https://localhost:9/']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/403/);
    expect(await proxy.waitForEvent((e) => e.port === 9)).toMatchObject({
      agent: 'fixer',
      host: 'localhost',
      action: 'denied',
      reason: 'not in allowlist',
    });
  });

  it('answers 407 to a client without a known token', async () => {
    const wrong = await connectThrough(proxy.port, `localhost:${api.port}`, proxyAuthorization('0'.repeat(64)));
    expect(wrong.status).toBe(407);
    const none = await connectThrough(proxy.port, `localhost:${api.port}`);
    expect(none.status).toBe(407);
    const result = await curl([
      '--proxy',
      `http://127.0.0.1:${proxy.port}`,
      '--proxy-user',
      `agent:${'1'.repeat(64)}`,
      `http://localhost:${plain.port}/`,
    ]);
    expect(result.stdout).toContain('proxy authentication required');
    const events = proxy.events().filter((e) => e.action === 'denied' && e.agent === undefined);
    expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['bad proxy token', 'no proxy credentials']));
  });

  it('streams a server-sent event response as it comes, through the intercepted tunnel', async () => {
    const tunnel = await connectThrough(proxy.port, `localhost:${api.port}`, proxyAuthorization(fixer.token));
    expect(tunnel.status).toBe(200);
    const secure = await tlsOver(tunnel.socket, 'localhost', fixer.ca.certPem);
    expect(secure.alpnProtocol).toBe('http/1.1');
    const req = https.request({ createConnection: () => secure, host: 'localhost', port: api.port, path: '/stream' });
    req.end();
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    expect(res.headers['content-type']).toBe('text/event-stream');
    // The first event arrives while the stand-in still holds the stream open: no buffering.
    const [first] = (await once(res, 'data')) as [Buffer];
    expect(first.toString()).toContain('event: first');
    release();
    let rest = '';
    for await (const chunk of res) rest += String(chunk);
    expect(rest).toContain('event: last');
    secure.destroy();
  });

  it('refuses a request whose Host names another host than its tunnel (no domain fronting)', async () => {
    const tunnel = await connectThrough(proxy.port, `localhost:${api.port}`, proxyAuthorization(fixer.token));
    const secure = await tlsOver(tunnel.socket, 'localhost', fixer.ca.certPem);
    const req = https.request({
      createConnection: () => secure,
      path: '/',
      headers: { host: 'evil.example', 'x-api-key': placeholder },
    });
    req.end();
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    expect(res.statusCode).toBe(421);
    res.resume();
    expect(api.requests.some((r) => r.headers.host === 'evil.example')).toBe(false);
    secure.destroy();
  });

  it('learn mode lets an unlisted host through and records it as learned', async () => {
    const result = await curl([
      ...viaProxy(learner),
      '--cacert',
      upstreamCaFile,
      `https://localhost:${api.port}/learn`,
    ]);
    expect(result).toMatchObject({ code: 0, stdout: 'stand-in ok\n' });
    expect(await proxy.waitForEvent((e) => e.agent === 'learner')).toMatchObject({
      host: 'localhost',
      port: api.port,
      action: 'learned',
    });
  });

  it('reads a registration written after it started, and ignores a malformed one without stopping', async () => {
    expect(proxy.stderr()).toMatch(/registration ignored: not JSON.*broken\.json/);
    const late = await registration('late', { policy: 'open' });
    writeRegistration(state, 'late.json', late);
    const result = await curl([...viaProxy(late), '--cacert', upstreamCaFile, `https://localhost:${api.port}/late`]);
    expect(result).toMatchObject({ code: 0, stdout: 'stand-in ok\n' });
  });

  it('writes no secret value in any output', () => {
    expect(proxy.stdout()).not.toContain(realValue);
    expect(proxy.stderr()).not.toContain(realValue);
    expect(proxy.stdout()).not.toContain(fixer.token);
  });
});

describe('the egress proxy program without the test-only loopback switch', () => {
  it('refuses loopback under `open`, by address and by name, and stops on SIGTERM with 0', async () => {
    const strict = await startProxyProcess({
      AGENTCTL_EGRESS_STATE: state,
      AGENTCTL_EGRESS_UPSTREAM_CA: upstreamCaFile,
    });
    try {
      for (const authority of [`127.0.0.1:${api.port}`, `localhost:${api.port}`, `[::1]:${api.port}`]) {
        const answer = await connectThrough(strict.port, authority, proxyAuthorization(opener.token));
        expect(answer.status, authority).toBe(403);
        expect(answer.body).toContain('loopback address');
      }
      const denied = strict.events().filter((e) => e.agent === 'opener');
      expect(denied).toHaveLength(3);
      expect(denied.every((e) => e.action === 'denied' && e.reason === 'loopback address')).toBe(true);
      expect(api.requests.some((r) => r.url === '/strict')).toBe(false);
    } finally {
      expect(await strict.stop()).toBe(0);
    }
  });
});
