import type Dockerode from 'dockerode';
import type { EngineVersion } from './container-runtime.js';
import { parseEndpoint, type Endpoint } from './endpoint.js';

export type ProbeOutcome =
  'absent' | 'permission-denied' | 'connection-refused' | 'timed-out' | 'not-an-engine' | 'wrong-kind' | 'error';

export type ProbeResult =
  /** `client` builds the dockerode client on its first call (loading dockerode), then returns the same one. */
  | { ok: true; version: EngineVersion; client: () => Promise<Dockerode> }
  | { ok: false; outcome: ProbeOutcome; detail: string };

export const DEFAULT_PROBE_TIMEOUT_MS = 3000;

/** Builds a dockerode client for an endpoint (dockerode is loaded here, on first use). */
export async function createDockerClient(endpoint: Endpoint, timeoutMs?: number): Promise<Dockerode> {
  const { default: Docker } = await import('dockerode');
  const parsed = parseEndpoint(endpoint.url);
  const options: Dockerode.DockerOptions = {};
  if (parsed.protocol === 'unix' || parsed.protocol === 'npipe') {
    options.socketPath = parsed.socketPath;
  } else {
    options.host = parsed.host;
    options.port = parsed.port;
    if (parsed.protocol === 'ssh') options.protocol = 'ssh';
    else if (endpoint.tls?.verify || parsed.protocol === 'https' || endpoint.tls?.cert) {
      options.protocol = 'https';
      if (endpoint.tls?.ca) options.ca = endpoint.tls.ca;
      if (endpoint.tls?.cert) options.cert = endpoint.tls.cert;
      if (endpoint.tls?.key) options.key = endpoint.tls.key;
    } else options.protocol = 'http';
  }
  if (timeoutMs !== undefined) options.timeout = timeoutMs;
  return withoutDockerEnv(() => new Docker(options));
}

/** The endpoint's dockerode client (no timeout), built on the first call only. */
function lazyClient(endpoint: Endpoint): () => Promise<Dockerode> {
  let client: Promise<Dockerode> | undefined;
  return () => (client ??= createDockerClient(endpoint));
}

/** What docker-modem reads from the environment as defaults beneath the options it is given. */
const MODEM_ENV = [
  'DOCKER_HOST',
  'DOCKER_TLS_VERIFY',
  'DOCKER_CERT_PATH',
  'DOCKER_CLIENT_TIMEOUT',
  'DOCKER_PATH_PREFIX',
];

/**
 * docker-modem merges DOCKER_HOST & co. under the options: with DOCKER_HOST=tcp://… its host wins
 * over our socketPath (so `--host unix://…` was ignored), and a bad DOCKER_CERT_PATH throws. The
 * endpoint was already chosen (and its TLS read) by detection, so the client is built without them.
 */
function withoutDockerEnv<T>(build: () => T): T {
  const saved = MODEM_ENV.map((name) => [name, process.env[name]] as const);
  for (const [name] of saved) delete process.env[name];
  try {
    return build();
  } finally {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  }
}

/** Reads the engine kind from its own /version answer, never from the socket's name. */
export function toEngineVersion(
  raw: Dockerode.DockerVersion & { Components?: { Name: string; Version: string }[] },
): EngineVersion | undefined {
  if (!raw || typeof raw !== 'object' || typeof raw.ApiVersion !== 'string') return undefined;
  const components = raw.Components ?? [];
  const podman = components.find((c) => /podman/i.test(c.Name));
  const platformName = (raw as { Platform?: { Name?: string } }).Platform?.Name ?? '';
  const kind = podman || /podman/i.test(platformName) ? 'podman' : 'docker';
  return {
    kind,
    version: podman?.Version ?? raw.Version,
    apiVersion: raw.ApiVersion,
    os: raw.Os,
    arch: raw.Arch,
  };
}

/**
 * Reads the engine's kind and version from the headers of its /_ping answer: Podman sends
 * `Libpod-Api-Version` and `Server: Libpod/<version>`, Docker `Server: Docker/<version>`. Podman's
 * /version takes seconds under load, /_ping milliseconds.
 */
export function versionFromPingHeaders(
  headers: Record<string, string | string[] | undefined>,
): EngineVersion | undefined {
  const header = (name: string) => {
    const value = headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  const apiVersion = header('api-version');
  const server = header('server') ?? '';
  const match = /^(Docker|Libpod)\/(\S+)(?: \((\w+)\))?/i.exec(server);
  if (!apiVersion || !match) return undefined;
  const podman = header('libpod-api-version') !== undefined || /^libpod$/i.test(match[1]!);
  return {
    kind: podman ? 'podman' : 'docker',
    version: header('libpod-api-version') ?? match[2]!,
    apiVersion,
    os: match[3] ?? header('ostype'),
  };
}

/** GET /_ping over the endpoint with node's own http (no dockerode needed). */
function ping(
  endpoint: Endpoint,
  timeoutMs: number,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const parsed = parseEndpoint(endpoint.url);
  return new Promise((resolve, reject) => {
    const tls =
      parsed.protocol === 'https' || (parsed.protocol === 'tcp' && (endpoint.tls?.verify || endpoint.tls?.cert));
    const options = {
      method: 'GET',
      path: '/_ping',
      timeout: timeoutMs,
      // servername '': see SOCKET_REQUEST in engine-json.ts (no TLS on a socket).
      ...(parsed.socketPath
        ? { socketPath: parsed.socketPath, servername: '' }
        : { host: parsed.host, port: parsed.port }),
      ...(tls ? { ca: endpoint.tls?.ca, cert: endpoint.tls?.cert, key: endpoint.tls?.key } : {}),
    };
    const load: Promise<{ request: typeof import('node:http').request }> = tls
      ? import('node:https')
      : import('node:http');
    void load.then(({ request }) => {
      const req = request(options, (res: import('node:http').IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 4096) body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end();
    }, reject);
  });
}

/**
 * One round trip: GET /_ping, which both pings the endpoint and (by its headers) tells Docker from
 * Podman. ssh:// endpoints, and engines whose ping carries no version headers, are asked
 * GET /version through dockerode instead.
 */
export async function probeEndpoint(endpoint: Endpoint, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  let parsed;
  try {
    parsed = parseEndpoint(endpoint.url);
  } catch (error) {
    return { ok: false, outcome: 'error', detail: error instanceof Error ? error.message : String(error) };
  }
  if (parsed.protocol !== 'ssh') {
    try {
      const answer = await ping(endpoint, timeoutMs);
      if (answer.status !== 200 || !/^OK/.test(answer.body)) {
        return { ok: false, outcome: 'not-an-engine', detail: `HTTP ${answer.status} from /_ping` };
      }
      const version = versionFromPingHeaders(answer.headers);
      if (version) return { ok: true, version, client: lazyClient(endpoint) };
    } catch (error) {
      return { ok: false, ...classifyConnectionError(error) };
    }
  }
  try {
    const client = await createDockerClient(endpoint, timeoutMs);
    const version = toEngineVersion((await client.version()) as never);
    if (!version)
      return { ok: false, outcome: 'not-an-engine', detail: 'the endpoint answered, but not as a container engine' };
    return { ok: true, version, client: lazyClient(endpoint) };
  } catch (error) {
    return { ok: false, ...classifyConnectionError(error) };
  }
}

export function classifyConnectionError(error: unknown): { outcome: ProbeOutcome; detail: string } {
  const err = error as { code?: string; message?: string; statusCode?: number };
  const message = err?.message ?? String(error);
  switch (err?.code) {
    case 'ENOENT':
      return { outcome: 'absent', detail: 'no socket at this path' };
    case 'EACCES':
    case 'EPERM':
      return { outcome: 'permission-denied', detail: 'permission denied' };
    case 'ECONNREFUSED':
      return { outcome: 'connection-refused', detail: 'connection refused (is the engine running?)' };
    case 'ENOTSOCK':
      return { outcome: 'not-an-engine', detail: 'the path is not a socket' };
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      return { outcome: 'timed-out', detail: 'timed out' };
    default:
      break;
  }
  if (/timeout/i.test(message)) return { outcome: 'timed-out', detail: 'timed out' };
  if (err?.statusCode) return { outcome: 'not-an-engine', detail: `HTTP ${err.statusCode} from /version` };
  if (/parse|JSON|Unexpected token|HPE_/i.test(message))
    return { outcome: 'not-an-engine', detail: 'the endpoint did not speak the engine API' };
  return { outcome: 'error', detail: message };
}
