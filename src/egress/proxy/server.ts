import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
import { resolveCheckedAddress } from '../address-rules.js';
import { ADDRESS_WAIT_MS, PROXY_USER, type EgressEvent } from '../contract.js';
import { handleConnect } from './connect.js';
import { forwardRequest } from './forward.js';
import { formatAuthority, getPolicyDecision, hostHeaderMatches, parseAuthority } from './policy.js';
import type { EgressProxyOptions, ProxyContext } from './context.js';

export type { EgressProxyOptions } from './context.js';
import { plainAddress, RegistrationStore } from './registrations.js';
import { rewriteRequestHeaders } from './secrets.js';

export interface EgressProxy {
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
  readonly registrations: RegistrationStore;
}

/**
 * The egress gateway's HTTP proxy: CONNECT for TLS (tunnelled, or intercepted with a leaf of the
 * agent's CA when the agent has bound secrets) and absolute-form requests for plain HTTP. Every
 * decision is an EgressEvent; see docs/egress.md for what it sees, injects and refuses.
 */
export function createEgressProxy(input: EgressProxyOptions): EgressProxy {
  const options = {
    allowLoopback: false,
    maxConnectionsPerAgent: 256,
    maxHeaderSize: 16_384,
    peekTimeoutMs: 2_000,
    addressWaitMs: ADDRESS_WAIT_MS,
    now: () => new Date(),
    ...input,
  };
  const registrations = new RegistrationStore(options.stateDir, options.log);
  const serverOptions = {
    maxHeaderSize: options.maxHeaderSize,
    headersTimeout: 30_000,
    requestTimeout: 0,
    keepAliveTimeout: 30_000,
  };
  const inner = http.createServer(serverOptions);
  const outer = http.createServer(serverOptions);
  outer.maxConnections = 4_096;
  const sockets = new Set<Socket>();

  const context: ProxyContext = {
    options,
    registrations,
    upstreamTrust: tls.createSecureContext({ ca: options.upstreamCa }),
    inner,
    tunnels: new WeakMap(),
    event(fields) {
      const event: EgressEvent = { time: options.now().toISOString(), ...fields };
      for (const key of Object.keys(event) as (keyof EgressEvent)[]) if (event[key] === undefined) delete event[key];
      options.emit(event);
    },
    async authenticate(header, socket) {
      if (!header) return { reason: 'no proxy credentials' };
      const match = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
      const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      if (colon < 0 || decoded.slice(0, colon) !== PROXY_USER) return { reason: 'bad proxy credentials' };
      const agent = registrations.getByToken(decoded.slice(colon + 1));
      if (!agent) return { reason: 'bad proxy token' };
      if (!agent.registration.addressBound) return { agent };
      // Another agent on the network that was handed this token gets nothing with it.
      const from = plainAddress(socket.remoteAddress ?? '');
      const closed = () => socket.destroyed;
      // Docker: the engine's DNS names the agent's current address (the trailing dot: no search domain).
      const name = agent.registration.resolveName;
      const resolves = name
        ? async () => (await options.lookupAll(`${name}.`)).some((found) => plainAddress(found.address) === from)
        : undefined;
      if (from && (await registrations.waitForAddress(agent, from, options.addressWaitMs, closed, resolves)))
        return { agent };
      return { agent: agent.registration.agent, reason: `proxy token from another address (${from || 'unknown'})` };
    },
    async decide(agent, authority) {
      const base = { agent: agent.registration.agent, host: authority.host, port: authority.port };
      const policy = getPolicyDecision(agent.registration.policy, agent.allow, authority);
      if (policy.action === 'denied') {
        context.event({ ...base, action: 'denied', reason: policy.reason });
        return { denied: policy.reason };
      }
      const resolved = await resolveCheckedAddress(authority.host, options.lookupAll, {
        allow: agent.allow,
        allowLoopback: options.allowLoopback,
      });
      if (!resolved.ok) {
        context.event({ ...base, action: 'denied', reason: resolved.reason });
        return { denied: resolved.reason };
      }
      context.event({ ...base, action: policy.action });
      return resolved.address;
    },
  };

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  outer.on('connection', track);
  inner.on('connection', track);
  for (const server of [outer, inner]) {
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      else socket.destroy();
    });
  }
  outer.on('connect', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    handleConnect(context, req, socket, head).catch((error: Error) => {
      options.log('error', 'CONNECT failed', { error: error.message });
      socket.destroy();
    });
  });
  outer.on('request', (req, res) => {
    handlePlainRequest(context, req, res).catch((error: Error) => {
      options.log('error', 'request failed', { error: error.message });
      res.destroy();
    });
  });
  inner.on('request', (req, res) => handleInterceptedRequest(context, req, res));
  inner.on('upgrade', (_req, socket: Socket) => {
    socket.end('HTTP/1.1 501 Not Implemented\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  return {
    registrations,
    listen(port, host) {
      registrations.start();
      return new Promise((resolve, reject) => {
        outer.once('error', reject);
        outer.listen(port, host, () => {
          outer.off('error', reject);
          resolve((outer.address() as AddressInfo).port);
        });
      });
    },
    async close() {
      registrations.stop();
      const closed = new Promise<void>((resolve) => outer.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function reply(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', ...headers });
  res.end(`agentctl egress: ${text}\n`);
}

/** An absolute-form request (`GET http://host/path`): plain HTTP, decided per request; never a real secret. */
async function handlePlainRequest(context: ProxyContext, req: http.IncomingMessage, res: http.ServerResponse) {
  let url: URL | undefined;
  try {
    url = /^http:\/\//i.test(req.url ?? '') ? new URL(req.url!) : undefined;
  } catch {
    url = undefined;
  }
  const authority = url && parseAuthority(url.host, 80);
  if (!url || !authority) {
    reply(res, 400, 'send an absolute http:// URL, or CONNECT host:port for TLS');
    return;
  }
  const auth = await context.authenticate(req.headers['proxy-authorization'], req.socket);
  if ('reason' in auth) {
    context.event({
      agent: auth.agent,
      host: authority.host,
      port: authority.port,
      action: 'denied',
      reason: auth.reason,
    });
    reply(res, 407, 'proxy authentication required', { 'proxy-authenticate': 'Basic realm="agentctl egress"' });
    return;
  }
  const { agent } = auth;
  if (agent.active >= context.options.maxConnectionsPerAgent) {
    context.event({ agent: agent.registration.agent, ...authority, action: 'denied', reason: 'too many connections' });
    reply(res, 429, 'too many connections');
    return;
  }
  agent.active += 1;
  res.once('close', () => (agent.active -= 1));
  const address = await context.decide(agent, authority);
  if ('denied' in address) {
    reply(res, 403, `${formatAuthority(authority)} refused: ${address.denied}`, { 'x-agentctl-egress': 'denied' });
    return;
  }
  const headers = { ...req.headers, host: url.host };
  const path = `${url.pathname}${url.search}`;
  const rewritten = rewriteRequestHeaders(headers, path, agent.secrets, { ...authority, tls: false });
  if (rewritten.placeholderRefused.length > 0)
    context.event({
      agent: agent.registration.agent,
      ...authority,
      action: 'allowed',
      reason: 'plain HTTP: secrets are never put in',
      placeholderRefused: rewritten.placeholderRefused,
    });
  forwardRequest(
    req,
    res,
    path,
    rewritten.headers,
    { agent, ...authority, address, tls: false },
    {
      upstreamTrust: context.upstreamTrust,
      log: context.options.log,
    },
  );
}

/** A request inside an intercepted tunnel: the secrets bound to the tunnel's host are put in. */
function handleInterceptedRequest(context: ProxyContext, req: http.IncomingMessage, res: http.ServerResponse) {
  const target = context.tunnels.get(req.socket);
  if (!target) {
    res.destroy();
    return;
  }
  const { agent } = target;
  const authority = { host: target.host, port: target.port };
  const base = { agent: agent.registration.agent, ...authority };
  if (!hostHeaderMatches(req.headers.host, authority, 443) || !(req.url ?? '').startsWith('/')) {
    context.event({ ...base, action: 'denied', reason: 'request names another host than its tunnel' });
    reply(res, 421, `this connection is for ${formatAuthority(authority)} only`);
    return;
  }
  const rewritten = rewriteRequestHeaders(req.headers, req.url!, agent.secrets, { ...authority, tls: true });
  if (rewritten.injected.length > 0 || rewritten.placeholderRefused.length > 0)
    context.event({
      ...base,
      action: 'allowed',
      injected: rewritten.injected.length > 0 ? rewritten.injected : undefined,
      placeholderRefused: rewritten.placeholderRefused.length > 0 ? rewritten.placeholderRefused : undefined,
    });
  forwardRequest(req, res, req.url!, rewritten.headers, target, {
    upstreamTrust: context.upstreamTrust,
    log: context.options.log,
  });
}
