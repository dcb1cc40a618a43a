import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Endpoint } from './endpoint.js';
import {
  connectorFor,
  getEngineTransport,
  sshAgentFor,
  type Connector,
  type EngineTransport,
} from './engine-transport.js';

export { getEngineTransport, type EngineTransport, type TlsMaterial } from './engine-transport.js';

/**
 * The engine answered with a status outside 2xx. Read the way the runtime reads dockerode's
 * failures: `statusCode`, the parsed body in `json` (null when it was not JSON) and, as the message,
 * the engine's own words (its `message`, else the body's text, else "HTTP <status>").
 */
export class EngineResponseError extends Error {
  override readonly name = 'EngineResponseError';
  constructor(
    readonly statusCode: number,
    readonly json: unknown,
    message: string,
  ) {
    super(message);
  }
}

export interface EngineRequest {
  method: string;
  /** Path and query, e.g. `/containers/json?all=true`. */
  path: string;
  /** Sent as JSON, with its length (never chunked: Podman reads a chunked attach body as stdin). */
  body?: unknown;
  /** Sent as is, with its length and content type (an archive); instead of `body`. */
  raw?: { content: Buffer; type: string };
  headers?: Record<string, string>;
  /** For the exchange (connect, answer and, but for openStream, the body); fails with code ETIMEDOUT. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The one HTTP client of the engine API beside dockerode: sockets, TCP, TLS and ssh://. */
export interface EngineHttp {
  readonly transport: EngineTransport;
  /** Resolves once the status line arrived, whatever the status, with the body unread (the timeout runs on until it is read). */
  send(request: EngineRequest): Promise<IncomingMessage>;
  /** The parsed body of a 2xx answer (undefined when empty); EngineResponseError for any other status. */
  fetchJson(request: EngineRequest): Promise<unknown>;
  /** A 2xx answer with its body unread (logs, archive stat); EngineResponseError for any other status. */
  openStream(request: EngineRequest): Promise<IncomingMessage>;
  /**
   * POST with `Upgrade: tcp`; resolves with the hijacked connection. Unlike dockerode's attach, no
   * body is sent unless given: Podman 4 forwards an attach request's body into the container's stdin
   * (https://github.com/containers/podman/issues/19901).
   */
  hijack(path: string, body?: unknown): Promise<Duplex>;
  /** The http.Agent that makes this client's ssh:// connections (for dockerode); undefined for other transports. */
  connectionAgent(): Promise<Agent | undefined>;
}

async function readBody(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function responseError(response: IncomingMessage): Promise<EngineResponseError> {
  const status = response.statusCode ?? 0;
  const text = (await readBody(response)).trim();
  const json = parseJson(text);
  const said = (json as { message?: unknown } | undefined)?.message;
  return new EngineResponseError(status, json ?? null, (typeof said === 'string' && said) || text || `HTTP ${status}`);
}

function timedOut(request: EngineRequest): Error {
  const what = `${request.method} ${request.path.split('?')[0]}`;
  return Object.assign(new Error(`${what} timed out after ${request.timeoutMs} ms`), { code: 'ETIMEDOUT' });
}

/** A client of the endpoint's API. Throws INVALID_HOST for a malformed URL. */
export function createEngineHttp(endpoint: Endpoint): EngineHttp {
  const transport = getEngineTransport(endpoint);
  let connector: Promise<Connector> | undefined;
  const connect = () => (connector ??= connectorFor(transport));

  /** Starts a request; its timeout destroys it unless `settle` was called first. */
  async function start(request: EngineRequest, upgrade = false) {
    const connector = await connect();
    const payload =
      request.raw?.content ?? (request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body)));
    const headers: Record<string, string> = { ...request.headers };
    if (upgrade) Object.assign(headers, { Connection: 'Upgrade', Upgrade: 'tcp' });
    if (payload) headers['Content-Type'] = request.raw?.type ?? 'application/json';
    if (payload || upgrade) headers['Content-Length'] = String(payload?.length ?? 0);
    const outgoing: ClientRequest = connector.request({
      ...(upgrade ? connector.unpooled : connector.options),
      method: request.method,
      path: request.path,
      headers,
      signal: request.signal,
    });
    let expired: Error | undefined;
    let response: IncomingMessage | undefined;
    outgoing.once('response', (answer: IncomingMessage) => (response = answer));
    const expire = () => {
      expired = timedOut(request);
      // Once answered, destroying the response makes its reader fail with this error.
      if (response) response.destroy(expired);
      else outgoing.destroy(expired);
    };
    const timer = request.timeoutMs === undefined ? undefined : setTimeout(expire, request.timeoutMs);
    return { outgoing, payload, settle: () => clearTimeout(timer), expired: () => expired };
  }

  type Answer = { response: IncomingMessage; settle: () => void; expired: () => Error | undefined };

  async function send(request: EngineRequest): Promise<Answer> {
    const { outgoing, payload, settle, expired } = await start(request);
    return new Promise((resolve, reject) => {
      outgoing.on('response', (response) => resolve({ response, settle, expired }));
      outgoing.on('error', (error) => {
        settle();
        reject(expired() ?? error);
      });
      outgoing.end(payload);
    });
  }

  async function openStream(request: EngineRequest): Promise<Answer> {
    const answer = await send(request);
    const status = answer.response.statusCode ?? 0;
    if (status >= 200 && status < 300) return answer;
    try {
      throw await responseError(answer.response);
    } finally {
      answer.settle();
    }
  }

  return {
    transport,

    async connectionAgent() {
      return transport.kind === 'ssh' ? sshAgentFor(transport) : undefined;
    },

    async send(request) {
      const { response, settle } = await send(request);
      response.once('close', settle);
      return response;
    },

    async fetchJson(request) {
      const { response, settle, expired } = await openStream(request);
      try {
        // A timeout while the body is read surfaces as an aborted response: report it as the timeout.
        const text = await readBody(response).catch((error: unknown) => {
          throw expired() ?? error;
        });
        if (!text.trim()) return undefined;
        const json = parseJson(text);
        if (json === undefined) throw new Error(`The engine's answer to ${request.method} ${request.path} is not JSON`);
        return json;
      } finally {
        settle();
      }
    },

    async openStream(request) {
      const { response, settle } = await openStream(request);
      settle();
      return response;
    },

    async hijack(path, body) {
      const { outgoing, payload } = await start({ method: 'POST', path, body }, true);
      return new Promise<Duplex>((resolve, reject) => {
        outgoing.on('upgrade', (_response, socket, head) => {
          if (head.length > 0) socket.unshift(head);
          socket.setNoDelay?.(true);
          resolve(socket);
        });
        outgoing.on('response', (response) => {
          responseError(response).then(reject, reject);
        });
        outgoing.on('error', reject);
        outgoing.end(payload);
      });
    },
  };
}

/** The engine HTTP clients of the dockerode clients made by createDockerClient (same endpoint, same transport). */
const clients = new WeakMap<object, EngineHttp>();

/** Records the engine HTTP client that goes with a dockerode client (see getEngineHttp). */
export function registerEngineHttp(docker: object, http: EngineHttp): void {
  clients.set(docker, http);
}

/**
 * The engine HTTP client for the endpoint of a dockerode client made by createDockerClient, for
 * the requests dockerode cannot make as the engine needs them (attach and exec without a body,
 * logs as a stream, archive stat by HEAD).
 */
export function getEngineHttp(docker: object): EngineHttp {
  const http = clients.get(docker);
  if (!http) throw new Error('No engine HTTP client for this dockerode client: build it with createDockerClient');
  return http;
}
