import { UsageError } from '../shared/errors.js';

/** The engines (Docker, Podman) and the cluster backend (Kubernetes). */
export type EngineKind = 'docker' | 'podman' | 'kubernetes';

/** Where an engine API listens, and how agentctl found it. */
export interface Endpoint {
  /** As the user would write it: unix:///run/x.sock, tcp://host:2376, npipe:////./pipe/docker_engine */
  url: string;
  /** Name of the detection strategy that produced it (explicit, docker-host, docker-context …). */
  source: string;
  /** TLS material for tcp:// endpoints (DOCKER_TLS_VERIFY / DOCKER_CERT_PATH or a context). */
  tls?: { certPath?: string; verify: boolean; ca?: string; cert?: string; key?: string };
  /** The engine kind the source expects; the ping's answer decides. */
  expectedKind?: EngineKind;
}

export interface ParsedEndpoint {
  protocol: 'unix' | 'tcp' | 'npipe' | 'ssh' | 'http' | 'https';
  socketPath?: string;
  host?: string;
  port?: number;
}

/** Parses an endpoint URL the way the docker CLI accepts it in DOCKER_HOST / --host. */
export function parseEndpoint(url: string): ParsedEndpoint {
  const match = /^([a-z]+):\/\/(.*)$/i.exec(url.trim());
  if (!match) {
    if (url.startsWith('/')) return { protocol: 'unix', socketPath: url };
    throw invalid(url);
  }
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  if (scheme === 'unix') {
    if (!rest) throw invalid(url);
    return { protocol: 'unix', socketPath: rest };
  }
  if (scheme === 'npipe') {
    if (!rest) throw invalid(url);
    return { protocol: 'npipe', socketPath: rest.replace(/\//g, '\\') };
  }
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https' || scheme === 'ssh') {
    const hostMatch = /^(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(rest);
    if (!hostMatch) throw invalid(url);
    const port = hostMatch[2] ? Number(hostMatch[2]) : scheme === 'ssh' ? 22 : 2375;
    return { protocol: scheme as ParsedEndpoint['protocol'], host: hostMatch[1]!.replace(/^\[|\]$/g, ''), port };
  }
  throw invalid(url);
}

function invalid(url: string): UsageError {
  return new UsageError('INVALID_HOST', `Invalid engine endpoint "${url}"`, {
    hint: 'Use unix:///path/to/docker.sock, tcp://host:2375 or npipe:////./pipe/docker_engine',
  });
}
