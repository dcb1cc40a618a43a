import { isIP } from 'node:net';
import { UsageError } from '../shared/errors.js';

/**
 * One entry of an agent's egress allowlist, parsed. The forms:
 *
 * - `example.com` — that host only (not its subdomains);
 * - `*.example.com` — every subdomain of example.com at any depth, not example.com itself;
 * - `192.0.2.7`, `[2001:db8::1]` — an address literal; `10.0.0.0/8`, `[fd00::/8]` — a range (CIDR);
 * - each optionally with `:PORT`, or written as `https://HOST` (port 443) / `http://HOST` (port 80).
 *
 * Without a port an entry allows 443 (TLS through CONNECT) and 80 (plain HTTP): the two ports a URL
 * without a port means. Names are compared case-insensitively and without a trailing dot.
 */
export type HostPattern =
  | { kind: 'name'; name: string; ports: readonly number[]; entry: string }
  | { kind: 'wildcard'; suffix: string; ports: readonly number[]; entry: string }
  | { kind: 'address'; family: 4 | 6; address: string; prefix: number; ports: readonly number[]; entry: string };

export const DEFAULT_PORTS: readonly number[] = [443, 80];

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

function invalid(entry: string, why: string): UsageError {
  return new UsageError('INVALID_ALLOW_ENTRY', `Invalid egress allow entry ${JSON.stringify(entry)}: ${why}`, {
    hint: 'Write a host (`api.example.com`), a wildcard for its subdomains (`*.example.com`), an address or range (`10.0.0.5`, `10.0.0.0/8`, `[fd00::1]`), each optionally with `:PORT`',
    details: { entry },
  });
}

function parsePort(text: string, entry: string): number {
  if (!/^\d{1,5}$/.test(text)) throw invalid(entry, `port ${JSON.stringify(text)} is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw invalid(entry, `port ${port} is not between 1 and 65535`);
  return port;
}

/** A host name as compared: lower case, without a trailing dot; undefined when it is not a valid DNS name. */
export function normalizeHostName(name: string): string | undefined {
  const lower = name.toLowerCase().replace(/\.$/, '');
  if (lower.length === 0 || lower.length > 253) return undefined;
  const labels = lower.split('.');
  if (!labels.every((label) => LABEL.test(label))) return undefined;
  // A name whose last label is all digits would be read as an IPv4 address by some resolvers.
  if (/^\d+$/.test(labels[labels.length - 1]!)) return undefined;
  return lower;
}

function parseAddress(
  text: string,
  entry: string,
  bracketed: boolean,
): { family: 4 | 6; address: string; prefix: number } {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(address);
  if (family === 0 || (family === 6 && !bracketed) || (family === 4 && bracketed))
    throw invalid(entry, bracketed ? 'not an IPv6 address' : 'not a host name or address');
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const bits = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) throw invalid(entry, `prefix /${bits} is not 0 to ${max}`);
    prefix = Number(bits);
  }
  return { family: family as 4 | 6, address: address.toLowerCase(), prefix };
}

/** Parses one allow entry; throws a UsageError `INVALID_ALLOW_ENTRY` (exit 2) for anything else. */
export function parseHostPattern(entry: string): HostPattern {
  let rest = entry.trim();
  if (rest.length === 0) throw invalid(entry, 'it is empty');
  if (rest.length > 300) throw invalid(entry, 'it is too long');
  let ports = DEFAULT_PORTS;
  const scheme = /^(https?):\/\//i.exec(rest);
  if (scheme) {
    ports = scheme[1]!.toLowerCase() === 'https' ? [443] : [80];
    rest = rest.slice(scheme[0].length).replace(/\/$/, '');
  }
  if (/[\s/?#@]/.test(rest.replace(/\/\d+(?=\]|:|$)/, '')))
    throw invalid(entry, 'only a host, optionally with a port, is allowed (no path, user or spaces)');
  let host: string;
  let bracketed = false;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw invalid(entry, 'missing `]`');
    host = rest.slice(1, close);
    bracketed = true;
    const after = rest.slice(close + 1);
    if (after.length > 0) {
      if (!after.startsWith(':')) throw invalid(entry, 'expected `:PORT` after `]`');
      ports = [parsePort(after.slice(1), entry)];
    }
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      if (rest.indexOf(':') !== colon) throw invalid(entry, 'an IPv6 address is written in brackets: `[2001:db8::1]`');
      ports = [parsePort(rest.slice(colon + 1), entry)];
      host = rest.slice(0, colon);
    } else {
      host = rest;
    }
  }
  if (bracketed || /^[\d.]+(\/\d+)?$/.test(host)) {
    return { kind: 'address', ...parseAddress(host, entry, bracketed), ports, entry };
  }
  if (host.startsWith('*.')) {
    const suffix = normalizeHostName(host.slice(2));
    if (!suffix) throw invalid(entry, 'not a valid host name after `*.`');
    if (!suffix.includes('.'))
      throw invalid(entry, 'a wildcard needs at least two labels after `*.` (`*.example.com`)');
    return { kind: 'wildcard', suffix, ports, entry };
  }
  if (host.includes('*')) throw invalid(entry, 'a wildcard is allowed only as the first label: `*.example.com`');
  const name = normalizeHostName(host);
  if (!name) throw invalid(entry, 'not a valid host name');
  return { kind: 'name', name, ports, entry };
}

/** Parses every entry, throwing on the first invalid one. */
export function parseHostPatterns(entries: readonly string[]): HostPattern[] {
  return entries.map(parseHostPattern);
}

/** An address as a bigint (for range checks), or undefined when `text` is no IP address. */
export function addressToBigInt(text: string): { family: 4 | 6; value: bigint } | undefined {
  const family = isIP(text);
  if (family === 4) {
    return { family, value: text.split('.').reduce((sum, part) => (sum << 8n) | BigInt(Number(part)), 0n) };
  }
  if (family !== 6) return undefined;
  let head = text.toLowerCase();
  // A trailing dotted IPv4 part (`::ffff:1.2.3.4`) becomes two 16-bit groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(head);
  if (dotted) {
    const v4 = addressToBigInt(dotted[1]!)!.value;
    head = head.slice(0, dotted.index) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [left = '', right] = head.split('::');
  const leftGroups = left ? left.split(':') : [];
  const rightGroups = right ? right.split(':') : [];
  const missing = 8 - leftGroups.length - rightGroups.length;
  const groups =
    right === undefined ? leftGroups : [...leftGroups, ...Array<string>(missing).fill('0'), ...rightGroups];
  return { family, value: groups.reduce((sum, group) => (sum << 16n) | BigInt(parseInt(group, 16)), 0n) };
}

/** Whether `address` lies in `base/prefix` (same family only). */
export function inRange(address: string, base: string, prefix: number): boolean {
  const a = addressToBigInt(address);
  const b = addressToBigInt(base);
  if (!a || !b || a.family !== b.family) return false;
  const bits = BigInt(a.family === 4 ? 32 : 128);
  const shift = bits - BigInt(prefix);
  return a.value >> shift === b.value >> shift;
}

/**
 * Whether a pattern allows a connection to `host` (a name or an address literal, as the client asked
 * for it) on `port`. A name pattern never matches an address literal and an address pattern never
 * matches a name: what a name resolves to is checked by the address rules, not here.
 */
export function matchesHostPattern(pattern: HostPattern, host: string, port: number): boolean {
  if (!pattern.ports.includes(port)) return false;
  const literal = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(literal) !== 0) {
    return pattern.kind === 'address' && inRange(literal, pattern.address, pattern.prefix);
  }
  const name = normalizeHostName(host);
  if (!name) return false;
  if (pattern.kind === 'name') return name === pattern.name;
  if (pattern.kind === 'wildcard') return name.endsWith(`.${pattern.suffix}`);
  return false;
}

/** Whether any of the patterns allows `host:port`. */
export function isHostAllowed(patterns: readonly HostPattern[], host: string, port: number): boolean {
  return patterns.some((pattern) => matchesHostPattern(pattern, host, port));
}
