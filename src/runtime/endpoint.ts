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
  /** The TCP port; for ssh:// only when the URL names one (else the ssh client's configuration decides). */
  port?: number;
  /** ssh:// only: the user before the `@`, when given. */
  user?: string;
}

// A user or host that starts with "-" would reach the ssh client as an option (-oProxyCommand=…).
const SSH_USER = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const SSH_HOST = /^[A-Za-z0-9_:.%][A-Za-z0-9_:.%-]*$/;

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
    const hostMatch = /^(?:([^@/]+)@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(rest);
    if (!hostMatch) throw invalid(url);
    const host = hostMatch[2]!.replace(/^\[|\]$/g, '');
    if (scheme === 'ssh') {
      const user = hostMatch[1];
      if ((user !== undefined && !SSH_USER.test(user)) || !SSH_HOST.test(host)) throw invalid(url);
      return {
        protocol: 'ssh',
        host,
        ...(hostMatch[3] ? { port: Number(hostMatch[3]) } : {}),
        ...(user ? { user } : {}),
      };
    }
    const port = hostMatch[3] ? Number(hostMatch[3]) : 2375;
    return { protocol: scheme as ParsedEndpoint['protocol'], host, port };
  }
  throw invalid(url);
}

/** An ssh:// endpoint's destination as the user would give it to ssh (`-p 2222 me@host`), for messages. */
export function formatSshDestination(target: { host: string; port?: number; user?: string }): string {
  return `${target.port !== undefined ? `-p ${target.port} ` : ''}${target.user ? `${target.user}@` : ''}${target.host}`;
}

function invalid(url: string): UsageError {
  return new UsageError('INVALID_HOST', `Invalid engine endpoint "${url}"`, {
    hint: 'Use unix:///path/to/docker.sock, tcp://host:2375, ssh://user@host or npipe:////./pipe/docker_engine',
  });
}
