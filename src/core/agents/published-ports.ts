import { isIP } from 'node:net';
import { UsageError } from '../../shared/errors.js';
import type { PublishedPort } from '../../runtime/agent-spec.js';

/** Where a port is published when the user names no host address: only this machine reaches it. */
export const DEFAULT_PUBLISH_HOST = '127.0.0.1';

const FORMS =
  '`PORT`, `HOSTPORT:CONTAINERPORT`, `HOST:PORT` or `HOST:HOSTPORT:CONTAINERPORT` (HOST an IP address such as 127.0.0.1; /udp at the end for UDP)';

function invalid(value: string, why: string): UsageError {
  return new UsageError('INVALID_PUBLISH', `Invalid --publish ${value}: ${why}`, {
    hint: `Give ${FORMS}, e.g. --publish 3000 or --publish 8080:3000`,
  });
}

function portNumber(value: string, text: string, what: string, allowZero: boolean): number {
  if (allowZero && text === '') return 0;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port > 65535 || (port === 0 && !allowZero))
    throw invalid(value, `${what} "${text}" is not a port number (1-65535)`);
  return port;
}

/**
 * `--publish [HOST:]PORT[:CONTAINERPORT][/tcp|/udp]`: PORT on the host (0 or empty: the engine
 * picks one) to CONTAINERPORT (default PORT) in the agent, bound to HOST (default 127.0.0.1:
 * never every interface unless the user writes 0.0.0.0 or ::).
 */
export function parsePublish(value: string): PublishedPort {
  let rest = value.trim();
  let protocol: PublishedPort['protocol'] = 'tcp';
  const suffix = /\/(tcp|udp)$/i.exec(rest);
  if (suffix) {
    protocol = suffix[1]!.toLowerCase() as PublishedPort['protocol'];
    rest = rest.slice(0, suffix.index);
  } else if (rest.includes('/')) throw invalid(value, 'the protocol must be tcp or udp');
  let hostIp: string | undefined;
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(rest);
  if (bracketed) {
    hostIp = bracketed[1]!;
    rest = bracketed[2]!;
    if (isIP(hostIp) !== 6) throw invalid(value, `[${hostIp}] is not an IPv6 address`);
  }
  const parts = rest.split(':');
  if (hostIp === undefined && parts.length >= 2 && isIP(parts[0]!) === 4) hostIp = parts.shift()!;
  else if (hostIp === undefined && parts.length === 3) {
    throw invalid(
      value,
      `the host "${parts[0]}" is not an IP address${parts[0] === 'localhost' ? ' (write 127.0.0.1)' : ''}`,
    );
  }
  if (parts.length === 0 || parts.length > 2 || parts.some((part) => part.includes('[')))
    throw invalid(value, 'too many parts');
  const [first = '', second] = parts;
  const hostPort = portNumber(value, first, 'the host port', second !== undefined);
  const containerPort = portNumber(value, second ?? first, 'the container port', false);
  return { hostIp: hostIp ?? DEFAULT_PUBLISH_HOST, hostPort, containerPort, protocol };
}

/** Every --publish value; INVALID_PUBLISH for a host address and port given twice. */
export function parsePublishList(values: readonly string[]): PublishedPort[] {
  const ports = values.map(parsePublish);
  const seen = new Set<string>();
  for (const port of ports) {
    if (port.hostPort === 0) continue;
    const key = `${port.hostIp}:${port.hostPort}/${port.protocol}`;
    if (seen.has(key)) throw invalid(key, 'that host address and port are published twice');
    seen.add(key);
  }
  return ports;
}

/** A host address only this machine reaches (127.0.0.0/8, ::1). */
export function isLoopbackAddress(address: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(address) || address === '::1';
}

/** `127.0.0.1:8080->3000/tcp`, as `docker ps` shows a binding. */
export function formatPublishedPort(port: PublishedPort): string {
  const host = port.hostIp.includes(':') ? `[${port.hostIp}]` : port.hostIp || '0.0.0.0';
  return `${host}:${port.hostPort === 0 ? '(any)' : port.hostPort}->${port.containerPort}/${port.protocol}`;
}
