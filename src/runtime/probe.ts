import type Dockerode from 'dockerode';
import type { EngineVersion } from './container-runtime.js';
import { parseEndpoint, type Endpoint } from './endpoint.js';

export type ProbeOutcome =
  | 'absent'
  | 'permission-denied'
  | 'connection-refused'
  | 'timed-out'
  | 'not-an-engine'
  | 'wrong-kind'
  | 'error';

export type ProbeResult =
  | { ok: true; version: EngineVersion; client: Dockerode }
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
  return new Docker(options);
}

/** Reads the engine kind from its own /version answer, never from the socket's name. */
export function toEngineVersion(raw: Dockerode.DockerVersion & { Components?: { Name: string; Version: string }[] }): EngineVersion | undefined {
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

/** One round trip: GET /version, which both pings the endpoint and tells Docker from Podman. */
export async function probeEndpoint(endpoint: Endpoint, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  let client: Dockerode;
  try {
    client = await createDockerClient(endpoint, timeoutMs);
  } catch (error) {
    return { ok: false, outcome: 'error', detail: error instanceof Error ? error.message : String(error) };
  }
  try {
    const raw = await client.version();
    const version = toEngineVersion(raw as never);
    if (!version) return { ok: false, outcome: 'not-an-engine', detail: 'the endpoint answered, but not as a container engine' };
    // Later calls should not inherit the short probe timeout.
    const full = await createDockerClient(endpoint);
    return { ok: true, version, client: full };
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
  if (/parse|JSON|Unexpected token|HPE_/i.test(message)) return { outcome: 'not-an-engine', detail: 'the endpoint did not speak the engine API' };
  return { outcome: 'error', detail: message };
}
