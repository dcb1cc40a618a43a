import type { Agent, RequestOptions } from 'node:http';
import { parseEndpoint, type Endpoint } from './endpoint.js';
import type { SshTarget } from './ssh-connection.js';

/** Client certificate and trusted CA for a TLS endpoint (PEM text). */
export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

/** How an endpoint's API is reached. Decided once, here, for agentctl's own requests and for dockerode's. */
export type EngineTransport =
  | { kind: 'socket'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number; tls: TlsMaterial | undefined }
  | ({ kind: 'ssh' } & SshTarget);

/**
 * The transport of an endpoint, with the one TLS rule: https:// always uses TLS, http:// never,
 * tcp:// when DOCKER_TLS_VERIFY (or a Docker context) asked for verification or gave a client
 * certificate. The engine's certificate is always verified, against the endpoint's CA when it has
 * one, else the system's. Throws INVALID_HOST for a malformed URL.
 */
export function getEngineTransport(endpoint: Endpoint): EngineTransport {
  const parsed = parseEndpoint(endpoint.url);
  switch (parsed.protocol) {
    case 'unix':
    case 'npipe':
      return { kind: 'socket', socketPath: parsed.socketPath! };
    case 'ssh':
      return { kind: 'ssh', host: parsed.host!, port: parsed.port, user: parsed.user };
    case 'http':
    case 'https':
    case 'tcp': {
      const tls =
        parsed.protocol === 'https' ||
        (parsed.protocol === 'tcp' && Boolean(endpoint.tls?.verify || endpoint.tls?.cert));
      const material = tls ? { ca: endpoint.tls?.ca, cert: endpoint.tls?.cert, key: endpoint.tls?.key } : undefined;
      return { kind: 'tcp', host: parsed.host!, port: parsed.port!, tls: material };
    }
  }
}

/**
 * For requests over a local socket. Without a `servername`, node's http agent derives one (for TLS
 * SNI) from the host and checks it with `isIP`, whose first call compiles a large IPv6 pattern: ~5 ms
 * of every engine command. A socket carries no TLS, so the name is not used.
 */
const SOCKET_REQUEST = { servername: '' } as const;

export type Connector = {
  request: typeof import('node:http').request;
  /** For requests over the pool of kept-alive connections. */
  options: RequestOptions;
  /**
   * For a hijack: a connection of its own, never returned to the pool. An upgrade the engine refuses
   * is answered like any request, and node would otherwise reuse its connection (`Connection: Upgrade`
   * counts as keep-alive) in a state no one knows.
   */
  unpooled: RequestOptions;
};

/** node's request function and the options that reach the transport (node:https only for TLS). */
export async function connectorFor(transport: EngineTransport): Promise<Connector> {
  switch (transport.kind) {
    case 'socket': {
      const options = { socketPath: transport.socketPath, ...SOCKET_REQUEST };
      return { request: (await import('node:http')).request, options, unpooled: { ...options, agent: false } };
    }
    case 'tcp': {
      const { host, port, tls } = transport;
      const options: RequestOptions = tls
        ? ({ host, port, ca: tls.ca, cert: tls.cert, key: tls.key } as RequestOptions)
        : { host, port };
      const { request } = tls ? await import('node:https') : await import('node:http');
      return { request, options, unpooled: { ...options, agent: false } };
    }
    case 'ssh': {
      const [{ request }, { openSshConnection }] = await Promise.all([
        import('node:http'),
        import('./ssh-connection.js'),
      ]);
      // `host` is for the Host header only: every connection is made by ssh. Without `agent`, node
      // uses `createConnection` for the one connection of a hijack.
      return {
        request,
        options: { host: 'localhost', agent: await sshAgentFor(transport) },
        unpooled: { host: 'localhost', createConnection: () => openSshConnection(transport) as never },
      };
    }
  }
}

/** One pool of ssh connections per destination, for the whole process (probe, JSON reads, dockerode). */
const sshAgents = new Map<string, Promise<Agent>>();

/**
 * An http.Agent whose connections are `ssh … docker system dial-stdio` (see ssh-connection.ts),
 * given to dockerode too, so that docker-modem's own ssh client (which checks no host key) is never
 * used. Connections are kept alive and reused: an ssh handshake costs far more than a request.
 */
export function sshAgentFor(target: SshTarget): Promise<Agent> {
  const key = JSON.stringify([target.user, target.host, target.port]);
  let agent = sshAgents.get(key);
  if (!agent) {
    agent = Promise.all([import('node:http'), import('./ssh-connection.js')]).then(([{ Agent }, ssh]) => {
      const pool = new Agent({ keepAlive: true });
      pool.createConnection = () => ssh.openSshConnection(target) as unknown as ReturnType<Agent['createConnection']>;
      return pool;
    });
    sshAgents.set(key, agent);
  }
  return agent;
}
