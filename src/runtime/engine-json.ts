import type { IncomingMessage } from 'node:http';
import { parseEndpoint, type Endpoint } from './endpoint.js';

/** GET requests whose answer is one JSON document, without loading dockerode. */
export interface EngineJsonClient {
  /** Resolves with the parsed body of a 200 answer; rejects like dockerode does (see below). */
  get(path: string, query?: Record<string, string | boolean>): Promise<unknown>;
}

/**
 * A failed request, shaped like docker-modem's errors (`statusCode`, `json`, `reason`, a message
 * starting "(HTTP code N)"), so the error handling written for dockerode reads it the same way.
 */
export interface EngineJsonError extends Error {
  statusCode: number;
  json: unknown;
  reason?: string;
}

/**
 * A client for local sockets and plain or TLS TCP endpoints; undefined for ssh:// and named pipes,
 * which stay with dockerode. No timeout, like the runtime's dockerode client.
 */
export function createEngineJsonClient(endpoint: Endpoint): EngineJsonClient | undefined {
  let parsed;
  try {
    parsed = parseEndpoint(endpoint.url);
  } catch {
    return undefined;
  }
  if (parsed.protocol === 'ssh' || parsed.protocol === 'npipe') return undefined;
  // The same rule as createDockerClient: TLS for https://, DOCKER_TLS_VERIFY or a client certificate.
  const tls =
    parsed.protocol === 'https' || (parsed.protocol === 'tcp' && Boolean(endpoint.tls?.verify || endpoint.tls?.cert));
  const target = parsed.socketPath
    ? { socketPath: parsed.socketPath, ...SOCKET_REQUEST }
    : {
        host: parsed.host,
        port: parsed.port,
        ...(tls ? { ca: endpoint.tls?.ca, cert: endpoint.tls?.cert, key: endpoint.tls?.key } : {}),
      };
  return {
    async get(path, query = {}) {
      const search = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)])).toString();
      const { request } = tls ? await import('node:https') : await import('node:http');
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = request({ ...target, method: 'GET', path: search ? `${path}?${search}` : path }, resolve);
        req.on('error', reject);
        req.end();
      });
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const status = response.statusCode ?? 0;
      if (status === 200 && json !== undefined) return json;
      const cause = (json as { message?: string } | undefined)?.message ?? text;
      const reason = STATUS_REASONS[status];
      const error = new Error(`(HTTP code ${status}) ${reason ?? 'unexpected'} - ${cause} `) as EngineJsonError;
      error.statusCode = status;
      error.json = json ?? null;
      if (reason) error.reason = reason;
      throw error;
    },
  };
}

/**
 * For requests over a local socket. Without a `servername`, node's http agent derives one (for TLS
 * SNI) from the host and checks it with `isIP`, whose first call compiles a large IPv6 pattern: ~5 ms
 * of every engine command. A socket carries no TLS, so the name is not used.
 */
export const SOCKET_REQUEST = { servername: '' } as const;

/** docker-modem's words for the statuses the container reads may answer. */
const STATUS_REASONS: Record<number, string> = { 400: 'bad parameter', 404: 'no such container', 500: 'server error' };
