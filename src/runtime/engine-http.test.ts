import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHttp, EngineResponseError, getEngineHttp, getEngineTransport } from './engine-http.js';
import type { Endpoint } from './endpoint.js';
import { createDockerClient, probeEndpoint } from './probe.js';

const endpoint = (url: string, tls?: Endpoint['tls']): Endpoint => ({ url, source: 'test', ...(tls ? { tls } : {}) });

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error & { code?: string }) => error,
  );
}

describe('getEngineTransport: one TLS rule for every request to the engine', () => {
  const pem = { ca: 'CA', cert: 'CERT', key: 'KEY' };
  it.each([
    ['unix:///run/x.sock', undefined, { kind: 'socket', socketPath: '/run/x.sock' }],
    ['npipe:////./pipe/docker_engine', undefined, { kind: 'socket', socketPath: '\\\\.\\pipe\\docker_engine' }],
    ['tcp://10.0.0.5:2375', undefined, { kind: 'tcp', host: '10.0.0.5', port: 2375, tls: undefined }],
    // DOCKER_TLS_VERIFY with DOCKER_CERT_PATH
    ['tcp://10.0.0.5:2376', { verify: true, ...pem }, { kind: 'tcp', port: 2376, tls: pem }],
    // DOCKER_TLS_VERIFY without any file: TLS against the system's roots
    ['tcp://10.0.0.5:2376', { verify: true }, { kind: 'tcp', tls: { ca: undefined, cert: undefined, key: undefined } }],
    // A Docker context with SkipTLSVerify but a client certificate: still TLS (and still verified)
    ['tcp://10.0.0.5:2376', { verify: false, ...pem }, { kind: 'tcp', tls: pem }],
    ['https://engine.example:2376', undefined, { kind: 'tcp', host: 'engine.example', tls: {} }],
    ['http://10.0.0.5:2375', { verify: true, ...pem }, { kind: 'tcp', tls: undefined }],
    ['ssh://me@build-host:2222', undefined, { kind: 'ssh', host: 'build-host', port: 2222, user: 'me' }],
    ['ssh://build-host', undefined, { kind: 'ssh', host: 'build-host', port: undefined, user: undefined }],
  ] as const)('%s with %o', (url, tls, expected) => {
    expect(getEngineTransport(endpoint(url, tls))).toMatchObject(expected);
  });

  it('refuses a malformed endpoint, and ssh destinations that ssh would read as options', () => {
    for (const url of ['tcp://', 'ftp://host', 'ssh://-oProxyCommand=touch%20x', 'ssh://-l@host', 'ssh://me@-host']) {
      expect(() => getEngineTransport(endpoint(url)), url).toThrow(expect.objectContaining({ code: 'INVALID_HOST' }));
    }
  });
});

/** A real HTTP server on a unix socket, answering by path. */
describe('createEngineHttp over a unix socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentctl-http-'));
  const socket = join(dir, 'engine.sock');
  const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const upgrades: { headers: IncomingMessage['headers']; body: string }[] = [];
  let follow: ServerResponse | undefined;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      const path = req.url!.split('?')[0];
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (path === '/containers/json') return json(200, [{ Id: 'abc' }]);
      if (path === '/echo') return json(201, { method: req.method, body: JSON.parse(body) as unknown });
      if (path === '/gone') return json(404, { message: 'No such container: gone' });
      if (path === '/text') return void res.writeHead(500).end('storage is on fire\n');
      if (path === '/empty-error') return void res.writeHead(503).end();
      if (path === '/no-content') return void res.writeHead(204).end();
      if (path === '/not-json') return void res.writeHead(200).end('<html>');
      if (path === '/hang') return; // never answers
      if (path === '/logs') {
        res.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
        res.write('first line\n');
        follow = res;
        return;
      }
      json(404, { message: `page not found: ${path}` });
    });
  });
  // Attach and exec start: answer the upgrade and echo what the client sends, after a greeting.
  server.on('upgrade', (req: IncomingMessage, raw: Socket, head: Buffer) => {
    const length = Number(req.headers['content-length'] ?? 0);
    let body = head.subarray(0, length);
    const rest = head.subarray(length);
    const answer = () => {
      upgrades.push({ headers: req.headers, body: body.toString() });
      if (req.url!.includes('refuse')) {
        const refusal = JSON.stringify({ message: 'unable to upgrade to tcp, received 409' });
        raw.end(
          `HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\nContent-Length: ${refusal.length}\r\n\r\n${refusal}`,
        );
        return;
      }
      raw.write(
        'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\ngreeting:',
      );
      if (rest.length > 0) raw.write(rest);
      raw.pipe(raw);
    };
    if (body.length >= length) return answer();
    raw.on('data', function collect(chunk: Buffer) {
      body = Buffer.concat([body, chunk]);
      if (body.length >= length) {
        raw.off('data', collect);
        answer();
      }
    });
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(socket, resolve)));
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const http = createEngineHttp(endpoint(`unix://${socket}`));

  it('fetches JSON; sends a body as JSON with its length, never chunked', async () => {
    expect(await http.fetchJson({ method: 'GET', path: '/containers/json?all=true' })).toEqual([{ Id: 'abc' }]);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/containers/json?all=true' });
    expect(await http.fetchJson({ method: 'POST', path: '/echo', body: { Cmd: ['sh'] } })).toEqual({
      method: 'POST',
      body: { Cmd: ['sh'] },
    });
    const sent = seen.at(-1)!.headers;
    expect(sent['content-type']).toBe('application/json');
    expect(sent['content-length']).toBe(String(JSON.stringify({ Cmd: ['sh'] }).length));
    expect(sent['transfer-encoding']).toBeUndefined();
    expect(await http.fetchJson({ method: 'DELETE', path: '/no-content' })).toBeUndefined();
  });

  it("fails with the engine's status and own words, as the runtime reads dockerode's failures", async () => {
    const gone = await failure(http.fetchJson({ method: 'GET', path: '/gone' }));
    expect(gone).toBeInstanceOf(EngineResponseError);
    expect(gone).toMatchObject({ statusCode: 404, json: { message: 'No such container: gone' } });
    expect(gone.message).toBe('No such container: gone');
    expect(await failure(http.fetchJson({ method: 'GET', path: '/text' }))).toMatchObject({
      statusCode: 500,
      json: null,
      message: 'storage is on fire',
    });
    expect(await failure(http.openStream({ method: 'GET', path: '/empty-error' }))).toMatchObject({
      statusCode: 503,
      message: 'HTTP 503',
    });
    const notJson = await failure(http.fetchJson({ method: 'GET', path: '/not-json' }));
    expect(notJson).not.toBeInstanceOf(EngineResponseError);
    expect(notJson.message).toBe("The engine's answer to GET /not-json is not JSON");
  });

  it('streams an answer as it comes, and stops when the signal aborts', async () => {
    const controller = new AbortController();
    const response = await http.openStream({ method: 'GET', path: '/logs?follow=1', signal: controller.signal });
    expect(response.statusCode).toBe(200);
    const [first] = (await once(response, 'data')) as [Buffer];
    expect(first.toString()).toBe('first line\n');
    follow!.write('second line\n');
    const [second] = (await once(response, 'data')) as [Buffer];
    expect(second.toString()).toBe('second line\n');
    const failed = once(response, 'error');
    controller.abort();
    expect((await failed)[0]).toMatchObject({ message: 'aborted' });
    expect(response.complete).toBe(false);
  });

  it('hijacks without a body unless given one (Podman reads a body as stdin), keeping early bytes', async () => {
    const attach = await http.hijack('/containers/abc/attach?stream=1&stdin=1');
    expect(upgrades.at(-1)!.headers).toMatchObject({ connection: 'Upgrade', upgrade: 'tcp', 'content-length': '0' });
    expect(upgrades.at(-1)!.body).toBe('');
    attach.write('typed');
    let echoed = '';
    for await (const chunk of attach) {
      echoed += (chunk as Buffer).toString();
      if (echoed.length >= 'greeting:typed'.length) break;
    }
    expect(echoed).toBe('greeting:typed');

    const exec = await http.hijack('/exec/e1/start', { Detach: false, Tty: true });
    expect(upgrades.at(-1)!.body).toBe('{"Detach":false,"Tty":true}');
    expect(upgrades.at(-1)!.headers['content-length']).toBe('27');
    expect(upgrades.at(-1)!.headers['transfer-encoding']).toBeUndefined();
    exec.destroy();
  });

  it('reports a refused upgrade with its status (Podman: 409 for an exec that cannot start)', async () => {
    const refused = await failure(http.hijack('/exec/refuse/start', { Detach: false, Tty: false }));
    expect(refused).toMatchObject({ statusCode: 409, message: 'unable to upgrade to tcp, received 409' });
  });

  it('times out an engine that does not answer, with the code the probe reads', async () => {
    const started = Date.now();
    const error = await failure(http.send({ method: 'GET', path: '/hang', timeoutMs: 200 }));
    expect(error).toMatchObject({ code: 'ETIMEDOUT', message: 'GET /hang timed out after 200 ms' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out a body that stops coming (send and fetchJson), but never a stream once it has started', async () => {
    const stalled = await http.send({ method: 'GET', path: '/logs', timeoutMs: 300 });
    const body = (async () => {
      for await (const _chunk of stalled);
    })();
    expect(await failure(body)).toMatchObject({ code: 'ETIMEDOUT' });
    const stream = await http.openStream({ method: 'GET', path: '/logs', timeoutMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stream.destroyed).toBe(false);
    stream.destroy();
  });

  it('reports a missing socket with the code the probe reads', async () => {
    const missing = createEngineHttp(endpoint(`unix://${join(dir, 'missing.sock')}`));
    expect(await failure(missing.send({ method: 'GET', path: '/_ping' }))).toMatchObject({ code: 'ENOENT' });
  });

  it('is the client that goes with a dockerode client built for the same endpoint', async () => {
    const docker = await createDockerClient(endpoint(`unix://${socket}`));
    expect(getEngineHttp(docker).transport).toEqual({ kind: 'socket', socketPath: socket });
    expect(() => getEngineHttp({})).toThrow('build it with createDockerClient');
  });
});

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl CLI. */
function makeCertificates(dir: string) {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) =>
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  const ca = (name: string) => {
    key(name);
    openssl('req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-days', '1', '-out', `${name}.pem`);
  };
  const signed = (name: string, extensions: string) => {
    key(name);
    openssl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'test-ca.pem',
      '-CAkey',
      'test-ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    );
  };
  ca('test-ca');
  ca('other-ca');
  signed('engine', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed('agentctl-client', 'extendedKeyUsage=clientAuth\n');
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return {
    ca: read('test-ca.pem'),
    otherCa: read('other-ca.pem'),
    server: { key: read('engine.key'), cert: read('engine.pem') },
    client: { key: read('agentctl-client.key'), cert: read('agentctl-client.pem') },
  };
}

describe('createEngineHttp over TCP with TLS (a test CA)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentctl-tls-'));
  let pems: ReturnType<typeof makeCertificates>;
  let server: ReturnType<typeof createTlsServer>;
  let url = '';
  beforeAll(async () => {
    pems = makeCertificates(dir);
    // Asks for a client certificate and says whose it got: the engine trusts certificates of its CA.
    server = createTlsServer(
      { ...pems.server, ca: pems.ca, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const tls = req.socket as TLSSocket;
        const client = tls.authorized ? (tls.getPeerCertificate().subject?.CN ?? null) : null;
        res.setHeader('Api-Version', '1.41');
        res.setHeader('Server', 'Docker/20.10.24 (linux)');
        if (req.url === '/_ping') return void res.end('OK');
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ client, path: req.url }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('DOCKER_TLS_VERIFY with DOCKER_CERT_PATH: the engine is verified against the CA and sees the client certificate', async () => {
    const http = createEngineHttp(endpoint(url, { verify: true, ca: pems.ca, ...pems.client }));
    expect(await http.fetchJson({ method: 'GET', path: '/info' })).toEqual({
      client: 'agentctl-client',
      path: '/info',
    });
  });

  it('https:// with a CA only: TLS without a client certificate', async () => {
    const http = createEngineHttp(endpoint(url.replace('tcp:', 'https:'), { verify: true, ca: pems.ca }));
    expect(await http.fetchJson({ method: 'GET', path: '/info' })).toEqual({ client: null, path: '/info' });
  });

  it("refuses an engine whose certificate the CA did not sign, or (with no CA) the system's roots do not know", async () => {
    const wrongCa = createEngineHttp(endpoint(url, { verify: true, ca: pems.otherCa, ...pems.client }));
    expect((await failure(wrongCa.fetchJson({ method: 'GET', path: '/info' }))).code).toMatch(/VERIFY|CERT/);
    const noCa = createEngineHttp(endpoint(url, { verify: true, ...pems.client }));
    expect((await failure(noCa.fetchJson({ method: 'GET', path: '/info' }))).code).toMatch(/VERIFY|CERT/);
  });

  it('speaks plain HTTP to tcp:// without TLS settings (and so cannot talk to a TLS engine)', async () => {
    const plain = createEngineHttp(endpoint(url));
    expect(plain.transport).toMatchObject({ kind: 'tcp', tls: undefined });
    await failure(plain.fetchJson({ method: 'GET', path: '/info', timeoutMs: 2000 }));
  });

  it('probes and builds dockerode by the same rule', async () => {
    const tls = { verify: true, ca: pems.ca, ...pems.client };
    const probe = await probeEndpoint(endpoint(url, tls), 3000);
    expect(probe).toMatchObject({ ok: true, version: { kind: 'docker', version: '20.10.24', apiVersion: '1.41' } });
    const docker = await createDockerClient(endpoint(url, tls));
    expect(await docker.info()).toEqual({ client: 'agentctl-client', path: '/info' });
    const refused = await createDockerClient(endpoint(url, { verify: true, ca: pems.otherCa, ...pems.client }));
    expect((await failure(refused.info())).code).toMatch(/VERIFY|CERT/);
  });
});
