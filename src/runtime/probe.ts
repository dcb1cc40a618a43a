import type { Agent, IncomingMessage } from 'node:http';
import type Dockerode from 'dockerode';
import type { EngineVersion } from './container-runtime.js';
import type { Endpoint } from './endpoint.js';
import { createEngineHttp, registerEngineHttp } from './engine-http.js';

export type ProbeOutcome =
  'absent' | 'permission-denied' | 'connection-refused' | 'timed-out' | 'not-an-engine' | 'wrong-kind' | 'error';

export type ProbeResult =
  /** `client` builds the dockerode client on its first call (loading dockerode), then returns the same one. */
  | { ok: true; version: EngineVersion; client: () => Promise<Dockerode> }
  | { ok: false; outcome: ProbeOutcome; detail: string };

export const DEFAULT_PROBE_TIMEOUT_MS = 3000;

/**
 * Builds a dockerode client for an endpoint (dockerode is loaded here, on first use), over the same
 * transport as the endpoint's engine HTTP client (engine-http.ts: one TLS rule; ssh:// through the
 * OpenSSH client), which is recorded with it for getEngineHttp.
 */
export async function createDockerClient(endpoint: Endpoint, timeoutMs?: number): Promise<Dockerode> {
  const http = createEngineHttp(endpoint);
  const transport = http.transport;
  const { default: Docker } = await import('dockerode');
  // `agent` is docker-modem's documented option for a custom http.Agent (missing from the types).
  const options: Dockerode.DockerOptions & { agent?: Agent } = {};
  if (transport.kind === 'socket') {
    options.socketPath = transport.socketPath;
  } else if (transport.kind === 'ssh') {
    // Plain HTTP over connections the agent makes with ssh: docker-modem's own ssh client is never used.
    options.protocol = 'http';
    options.host = transport.host;
    options.agent = await http.connectionAgent();
  } else {
    options.host = transport.host;
    options.port = transport.port;
    options.protocol = transport.tls ? 'https' : 'http';
    if (transport.tls?.ca) options.ca = transport.tls.ca;
    if (transport.tls?.cert) options.cert = transport.tls.cert;
    if (transport.tls?.key) options.key = transport.tls.key;
  }
  if (timeoutMs !== undefined) options.timeout = timeoutMs;
  const docker = withoutDockerEnv(() => new Docker(options));
  registerEngineHttp(docker, http);
  return docker;
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
 * docker-modem merges DOCKER_HOST & co. under the options
 * (https://github.com/apocas/dockerode/issues/540): with DOCKER_HOST=tcp://… its host wins over our
 * socketPath (so `--host unix://…` was ignored), and a bad DOCKER_CERT_PATH throws. The endpoint
 * was already chosen (and its TLS read) by detection, so the client is built without them.
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

/**
 * One round trip: GET /_ping, which both pings the endpoint and (by its headers) tells Docker from
 * Podman; engines whose ping carries no version headers are asked GET /version as well. Over the
 * engine HTTP client, so detection never loads dockerode, whatever the transport.
 */
export async function probeEndpoint(endpoint: Endpoint, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  let http;
  try {
    http = createEngineHttp(endpoint);
  } catch (error) {
    return { ok: false, outcome: 'error', detail: error instanceof Error ? error.message : String(error) };
  }
  try {
    const started = Date.now();
    const response = await http.send({ method: 'GET', path: '/_ping', timeoutMs });
    const body = await readSome(response, 4096);
    if (response.statusCode !== 200 || !/^OK/.test(body)) {
      return { ok: false, outcome: 'not-an-engine', detail: `HTTP ${response.statusCode} from /_ping` };
    }
    const version =
      versionFromPingHeaders(response.headers) ??
      toEngineVersion(
        (await http.fetchJson({
          method: 'GET',
          path: '/version',
          timeoutMs: Math.max(1, timeoutMs - (Date.now() - started)),
        })) as never,
      );
    if (!version)
      return { ok: false, outcome: 'not-an-engine', detail: 'the endpoint answered, but not as a container engine' };
    return { ok: true, version, client: lazyClient(endpoint) };
  } catch (error) {
    return { ok: false, ...classifyConnectionError(error) };
  }
}

/** Up to `limit` characters of a body, then the rest is discarded. */
async function readSome(response: IncomingMessage, limit: number): Promise<string> {
  let body = '';
  response.setEncoding('utf8');
  for await (const chunk of response) if (body.length < limit) body += chunk as string;
  return body;
}

export function classifyConnectionError(error: unknown): { outcome: ProbeOutcome; detail: string } {
  const err = error as { code?: string; message?: string; statusCode?: number; name?: string };
  const message = err?.message ?? String(error);
  if (err?.name === 'SshConnectionError') return { outcome: sshOutcome(err.code), detail: message };
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

/** An ssh failure keeps ssh's own words: "connection refused" alone would hide which side refused. */
function sshOutcome(code: string | undefined): ProbeOutcome {
  if (code === 'ECONNREFUSED') return 'connection-refused';
  if (code === 'ETIMEDOUT') return 'timed-out';
  return 'error';
}
