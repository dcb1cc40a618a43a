// Test helpers of src/egress/proxy/proxy.test.ts (not part of the program): local stand-in
// services, registrations, and the proxy program run as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { createAgentCa, createLeafCertificate, loadCa, type CertificateAndKey } from '../ca.js';
import { PROXY_USER, REGISTRATION_VERSION, type AgentRegistration, type EgressEvent } from '../contract.js';

export const PROGRAM = path.resolve('dist/egress-proxy.cjs');

export interface StandIn {
  port: number;
  requests: { url: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** An HTTPS (or, without a certificate, HTTP) server on 127.0.0.1 that records what it receives. */
export async function startStandIn(
  certificate: CertificateAndKey | undefined,
  handler?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
): Promise<StandIn> {
  const requests: StandIn['requests'] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    if (handler?.(req, res)) return;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' }).end('stand-in ok\n');
  };
  const server = certificate
    ? https.createServer({ cert: certificate.certPem, key: certificate.keyPem }, listener)
    : http.createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A CA standing in for the public ones, with certificates for `localhost` and `127.0.0.1`. */
export async function makeUpstreamPki() {
  const ca = await createAgentCa('test upstream');
  const loaded = await loadCa(ca);
  return {
    ca,
    localhost: await createLeafCertificate(loaded, 'localhost'),
    loopbackAddress: await createLeafCertificate(loaded, '127.0.0.1'),
  };
}

export function token(): string {
  return randomBytes(32).toString('hex');
}

export async function registration(agent: string, fields: Partial<AgentRegistration>): Promise<AgentRegistration> {
  return {
    version: REGISTRATION_VERSION,
    agent,
    token: token(),
    policy: 'allowlist',
    allow: [],
    ca: await createAgentCa(agent),
    secrets: [],
    ...fields,
  };
}

/** Writes a registration as agentctl does: a temporary name, then renamed into place. */
export function writeRegistration(stateDir: string, file: string, content: string | AgentRegistration): void {
  const dir = path.join(stateDir, 'agents');
  mkdirSync(dir, { recursive: true });
  const temporary = path.join(dir, `.${file}.tmp`);
  writeFileSync(temporary, typeof content === 'string' ? content : JSON.stringify(content), { mode: 0o600 });
  renameSync(temporary, path.join(dir, file));
}

export interface ProxyProcess {
  port: number;
  child: ChildProcess;
  events(): EgressEvent[];
  stdout(): string;
  stderr(): string;
  /** Waits until an event matching `predicate` was written. */
  waitForEvent(predicate: (event: EgressEvent) => boolean): Promise<EgressEvent>;
  stop(): Promise<number | null>;
}

export async function startProxyProcess(env: Record<string, string>): Promise<ProxyProcess> {
  if (!existsSync(PROGRAM)) throw new Error(`${PROGRAM} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [PROGRAM], {
    env: { PATH: process.env.PATH ?? '', AGENTCTL_EGRESS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((wakeUp) => wakeUp());
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    wake();
  });
  child.once('exit', wake);
  const waitFor = async <T>(probe: () => T | undefined, what: string): Promise<T> => {
    for (;;) {
      const found = probe();
      if (found !== undefined) return found;
      if (child.exitCode !== null) throw new Error(`the proxy exited (${child.exitCode}) before ${what}:\n${stderr}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const events = () =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as EgressEvent);
  const port = await waitFor(() => {
    const line = stderr.split('\n').find((text) => text.includes('"listening"'));
    return line ? (JSON.parse(line) as { port: number }).port : undefined;
  }, 'listening');
  return {
    port,
    child,
    events,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForEvent: (predicate) => waitFor(() => events().find(predicate), 'the expected event'),
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

export function proxyAuthorization(agentToken: string): string {
  return `Basic ${Buffer.from(`${PROXY_USER}:${agentToken}`).toString('base64')}`;
}

/** Sends CONNECT to the proxy; resolves with the status and, on 200, the tunnel's socket. */
export function connectThrough(
  proxyPort: number,
  authority: string,
  authorization?: string,
): Promise<{ status: number; socket: import('node:net').Socket; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: proxyPort,
      method: 'CONNECT',
      path: authority,
      headers: authorization ? { 'proxy-authorization': authorization } : {},
    });
    req.on('connect', (res, socket, head: Buffer) => {
      if (res.statusCode === 200) {
        if (head.length > 0) socket.unshift(head);
        resolve({ status: 200, socket, body: '' });
        return;
      }
      let body = head.toString();
      socket.on('data', (chunk: Buffer) => (body += chunk.toString()));
      socket.on('end', () => resolve({ status: res.statusCode ?? 0, socket, body }));
      socket.on('close', () => resolve({ status: res.statusCode ?? 0, socket, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** TLS over a tunnel, trusting only `caPem`. */
export async function tlsOver(socket: import('node:net').Socket, servername: string, caPem: string) {
  const secure = tls.connect({ socket, servername, ca: caPem, ALPNProtocols: ['h2', 'http/1.1'] });
  await once(secure, 'secureConnect');
  return secure;
}
