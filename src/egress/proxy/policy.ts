import { isIP } from 'node:net';
import type { EgressPolicy } from '../contract.js';
import { isHostAllowed, normalizeHostName, type HostPattern } from '../host-pattern.js';

/** A `host:port` a client asked for, checked: a DNS name (lower case) or an IP literal (bare). */
export interface Authority {
  host: string;
  port: number;
}

/** Parses CONNECT's `host:port` or a URL's host and port; undefined for anything else. */
export function parseAuthority(text: string, defaultPort?: number): Authority | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text);
  if (!match) return undefined;
  const portText = match[3];
  const port = portText === undefined ? defaultPort : Number(portText);
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  if (match[1] !== undefined) return isIP(match[1]) === 6 ? { host: match[1].toLowerCase(), port } : undefined;
  const host = match[2]!;
  if (isIP(host) === 4) return { host, port };
  const name = normalizeHostName(host);
  return name ? { host: name, port } : undefined;
}

/** How an authority is written back: IPv6 in brackets. */
export function formatAuthority({ host, port }: Authority): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

export type PolicyDecision = { action: 'allowed' | 'learned' } | { action: 'denied'; reason: string };

/**
 * What the agent's policy says about `host:port`, before the address rules (which apply to every
 * policy). `learn` lets everything through like `open`, and marks as `learned` what the allowlist
 * would have refused: those events are the entries to add.
 */
export function getPolicyDecision(
  policy: Exclude<EgressPolicy, 'none'>,
  allow: readonly HostPattern[],
  authority: Authority,
): PolicyDecision {
  const listed = isHostAllowed(allow, authority.host, authority.port);
  switch (policy) {
    case 'open':
      return { action: 'allowed' };
    case 'learn':
      return { action: listed ? 'allowed' : 'learned' };
    case 'allowlist':
      return listed ? { action: 'allowed' } : { action: 'denied', reason: 'not in allowlist' };
  }
}

/**
 * Whether a request's Host header names the host and port its tunnel was opened (and decided) for.
 * A request inside a tunnel to one host that names another would reach whatever that name routes
 * to on a shared front end (domain fronting): it is refused, so a secret and the policy follow the
 * tunnel's host only.
 */
export function hostHeaderMatches(header: string | undefined, authority: Authority, defaultPort: number): boolean {
  if (header === undefined) return true;
  const parsed = parseAuthority(header.trim(), defaultPort);
  return parsed !== undefined && parsed.host === authority.host && parsed.port === authority.port;
}
