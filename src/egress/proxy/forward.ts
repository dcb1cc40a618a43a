import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { ResolvedAddress } from '../address-rules.js';
import type { Log, RegisteredAgent } from './registrations.js';
import type { HeaderValues } from './secrets.js';

/** Headers of one hop only (RFC 9110 §7.6.1), and the proxy's own: never passed on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export function withoutHopByHop(headers: HeaderValues): HeaderValues {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: HeaderValues = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) out[name] = value;
  }
  return out;
}

/** A lookup that answers with the address the rules checked: the upstream connection cannot resolve again. */
function pinnedLookup(address: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  };
}

export interface ForwardTarget {
  agent: RegisteredAgent;
  host: string;
  port: number;
  address: ResolvedAddress;
  tls: boolean;
}

export interface ForwardOptions {
  /** Holds the certificates the upstream server's chain is verified against (made once). */
  upstreamTrust: SecureContext;
  log: Log;
}

/**
 * Sends the client's request on to the real host and streams the answer back as it comes (no
 * buffering: server-sent events flow chunk by chunk). The upstream connection goes to the checked
 * address, named `host` for SNI and certificate verification.
 */
export function forwardRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  headers: HeaderValues,
  target: ForwardTarget,
  options: ForwardOptions,
): void {
  const literal = target.host.replace(/^\[(.*)\]$/, '$1');
  const common = {
    host: literal,
    port: target.port,
    method: req.method,
    path,
    headers: withoutHopByHop(headers) as http.OutgoingHttpHeaders,
    lookup: pinnedLookup(target.address),
    // Keep-alive to the server on the agent's own pool of connections.
    setHost: false,
  };
  const upstream = target.tls
    ? https.request({
        ...common,
        agent: target.agent.upstream,
        // Passed on to tls.connect (the types of https.request do not name it).
        ...({ secureContext: options.upstreamTrust } as https.RequestOptions),
        rejectUnauthorized: true,
      })
    : http.request({ ...common, agent: target.agent.plainUpstream });
  upstream.on('response', (answer) => {
    const responseHeaders = withoutHopByHop(answer.headers) as http.OutgoingHttpHeaders;
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, responseHeaders);
    // Headers go out now, before the first chunk of a stream.
    res.flushHeaders();
    answer.pipe(res);
    answer.on('error', () => res.destroy());
  });
  upstream.on('error', (error) => {
    const code = (error as { code?: string }).code ?? 'ERROR';
    options.log('warn', 'upstream request failed', {
      agent: target.agent.registration.agent,
      host: target.host,
      port: target.port,
      error: code,
    });
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', 'x-agentctl-egress': 'upstream-failed' });
      res.end(`agentctl egress: the connection to ${target.host}:${target.port} failed (${code})\n`);
    } else {
      res.destroy();
    }
  });
  // The client went away: so does the upstream request.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}
