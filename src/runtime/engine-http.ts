import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { SOCKET_REQUEST } from './engine-json.js';

/** The parts of docker-modem this module reads (its connection settings). */
interface ModemSettings {
  socketPath?: string;
  host?: string;
  port?: string | number;
  protocol?: string;
  version?: string;
  ca?: string | Buffer | (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
  headers?: Record<string, string>;
}

export class EngineHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** True when the engine is reached over a socket or plain/TLS TCP (not ssh), so raw requests work. */
export function supportsRawRequests(docker: Dockerode): boolean {
  const modem = docker.modem as unknown as ModemSettings;
  return Boolean(modem.socketPath) || modem.protocol === 'http' || modem.protocol === 'https';
}

async function requestOptions(docker: Dockerode, method: string, path: string, headers: Record<string, string>) {
  const modem = docker.modem as unknown as ModemSettings;
  const prefix = modem.version ? `/${modem.version.replace(/^\/+/, '')}` : '';
  const base = { method, path: `${prefix}${path}`, headers: { ...modem.headers, ...headers } };
  if (modem.socketPath)
    return { module: await import('node:http'), options: { ...base, socketPath: modem.socketPath, ...SOCKET_REQUEST } };
  const tls = modem.protocol === 'https';
  return {
    module: tls ? await import('node:https') : await import('node:http'),
    options: {
      ...base,
      host: modem.host,
      port: modem.port,
      ...(tls ? { ca: modem.ca, cert: modem.cert, key: modem.key } : {}),
    },
  };
}

async function readError(response: IncomingMessage): Promise<EngineHttpError> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  let message = text;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    // not JSON: keep the text
  }
  return new EngineHttpError(response.statusCode ?? 0, message || `HTTP ${response.statusCode}`);
}

/**
 * POST with `Upgrade: tcp` and returns the hijacked connection. Unlike dockerode's attach, no body
 * is sent unless given: Podman 4 forwards an attach request's body into the container's stdin.
 */
export async function hijack(docker: Dockerode, path: string, body?: unknown): Promise<Duplex> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  // An explicit length: without one Node sends a chunked body, which Podman reads as stdin.
  const headers: Record<string, string> = {
    Connection: 'Upgrade',
    Upgrade: 'tcp',
    'Content-Length': String(payload?.length ?? 0),
  };
  if (payload) headers['Content-Type'] = 'application/json';
  const { module, options } = await requestOptions(docker, 'POST', path, headers);
  return new Promise<Duplex>((resolve, reject) => {
    const request = module.request(options);
    request.on('upgrade', (_response, socket, head) => {
      if (head.length > 0) socket.unshift(head);
      socket.setNoDelay?.(true);
      resolve(socket);
    });
    request.on('response', (response) => {
      readError(response).then(reject, reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/** A streaming request: resolves with the response once the status line arrived (2xx), never buffering the body. */
export async function streamRequest(
  docker: Dockerode,
  method: string,
  path: string,
  signal?: AbortSignal,
): Promise<IncomingMessage> {
  const { module, options } = await requestOptions(docker, method, path, {});
  return new Promise<IncomingMessage>((resolve, reject) => {
    const request = module.request({ ...options, signal });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) resolve(response);
      else readError(response).then(reject, reject);
    });
    request.on('error', reject);
    request.end();
  });
}
