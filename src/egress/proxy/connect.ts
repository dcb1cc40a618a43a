import type http from 'node:http';
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import type { ResolvedAddress } from '../address-rules.js';
import { getLeafContext } from './leaf-contexts.js';
import { formatAuthority, parseAuthority, type Authority } from './policy.js';
import type { RegisteredAgent } from './registrations.js';
import type { ProxyContext } from './context.js';

const TLS_HANDSHAKE = 0x16;
/** A tunnel with no bytes either way for this long is closed (a stream that sends keeps it open). */
const TUNNEL_IDLE_MS = 600_000;

function refuse(socket: Socket, status: string, text: string, extra = ''): void {
  const body = `agentctl egress: ${text}\n`;
  socket.end(
    `HTTP/1.1 ${status}\r\n${extra}Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * CONNECT host:port. Authenticated, decided by the policy and the address rules, then either
 *
 * - tunnelled as bytes to the checked address (an agent without bound secrets; or whatever is not
 *   TLS, or a client that does not speak first within peekTimeoutMs: ssh, a server-speaks-first
 *   protocol), or
 * - intercepted (an agent with bound secrets, TLS): the proxy ends the client's TLS with a leaf of
 *   the agent's CA (ALPN http/1.1 only: HTTP/2 clients fall back) and sends each request on over
 *   TLS of its own, verified against the trust store. Every TLS connection of such an agent is
 *   intercepted, not only those to the secrets' hosts: a placeholder sent elsewhere is seen,
 *   left as it is, and reported.
 */
export async function handleConnect(context: ProxyContext, req: http.IncomingMessage, socket: Socket, head: Buffer) {
  socket.on('error', () => socket.destroy());
  const authority = parseAuthority(req.url ?? '');
  if (!authority) {
    refuse(socket, '400 Bad Request', 'CONNECT needs host:port');
    return;
  }
  const auth = await context.authenticate(req.headers['proxy-authorization'], socket);
  if ('reason' in auth) {
    context.event({ agent: auth.agent, ...authority, action: 'denied', reason: auth.reason });
    refuse(
      socket,
      '407 Proxy Authentication Required',
      'proxy authentication required',
      'Proxy-Authenticate: Basic realm="agentctl egress"\r\n',
    );
    return;
  }
  const { agent } = auth;
  if (agent.active >= context.options.maxConnectionsPerAgent) {
    context.event({ agent: agent.registration.agent, ...authority, action: 'denied', reason: 'too many connections' });
    refuse(socket, '429 Too Many Requests', 'too many connections');
    return;
  }
  agent.active += 1;
  socket.once('close', () => (agent.active -= 1));
  const address = await context.decide(agent, authority);
  if ('denied' in address) {
    refuse(
      socket,
      '403 Forbidden',
      `${formatAuthority(authority)} refused: ${address.denied}`,
      'X-Agentctl-Egress: denied\r\n',
    );
    return;
  }
  socket.setTimeout(TUNNEL_IDLE_MS, () => socket.destroy());
  if (agent.secrets.length === 0) {
    tunnel(socket, head, address, authority, true);
    return;
  }
  socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  const first = await peekFirstByte(socket, head, context.options.peekTimeoutMs);
  if (first === undefined && socket.destroyed) return;
  if (first !== TLS_HANDSHAKE) {
    tunnel(socket, Buffer.alloc(0), address, authority, false);
    return;
  }
  await intercept(context, socket, agent, authority, address);
}

/** The first byte the client sends (left in the socket), or undefined when it sends none in time. */
function peekFirstByte(socket: Socket, head: Buffer, timeoutMs: number): Promise<number | undefined> {
  if (head.length > 0) {
    socket.unshift(head);
    return Promise.resolve(head[0]);
  }
  return new Promise((resolve) => {
    const done = (value: number | undefined) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      done(chunk[0]);
    };
    const onClose = () => done(undefined);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

function tunnel(socket: Socket, head: Buffer, address: ResolvedAddress, authority: Authority, answer: boolean): void {
  const upstream = net.connect({ host: address.address, port: authority.port, family: address.family });
  let connected = false;
  upstream.on('connect', () => {
    connected = true;
    if (answer) socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
    socket.resume();
  });
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (!connected && answer)
      refuse(socket, '502 Bad Gateway', `cannot connect to ${formatAuthority(authority)} (${error.code ?? 'error'})`);
    else socket.destroy();
  });
  socket.once('close', () => upstream.destroy());
  upstream.once('close', () => socket.end());
}

async function intercept(
  context: ProxyContext,
  socket: Socket,
  agent: RegisteredAgent,
  authority: Authority,
  address: ResolvedAddress,
): Promise<void> {
  let secureContext: tls.SecureContext;
  try {
    secureContext = await getLeafContext(agent, authority.host);
  } catch (error) {
    context.options.log('error', 'cannot make a certificate for the agent: its CA is unusable', {
      agent: agent.registration.agent,
      error: (error as Error).message,
    });
    socket.destroy();
    return;
  }
  const secure = new tls.TLSSocket(socket, { isServer: true, secureContext, ALPNProtocols: ['http/1.1'] });
  secure.on('error', () => secure.destroy());
  context.tunnels.set(secure, { agent, ...authority, address, tls: true });
  context.inner.emit('connection', secure);
}
