import { isIP } from 'node:net';
import type { EgressAction, EgressEvent } from '../../egress/contract.js';
import { getAddressRefusal } from '../../egress/address-rules.js';
import { parseHostPattern } from '../../egress/host-pattern.js';

const ACTIONS: ReadonlySet<string> = new Set<EgressAction>(['allowed', 'denied', 'learned']);

/**
 * One line of the gateway's stdout as an event, only the contract's fields (the host comes from
 * the agent's request: it is printed escaped, never trusted); undefined for anything else.
 */
export function parseEgressEvent(line: string): EgressEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as Record<string, unknown>;
  if (typeof raw.time !== 'string' || typeof raw.host !== 'string' || typeof raw.action !== 'string') return undefined;
  if (typeof raw.port !== 'number' || !Number.isInteger(raw.port) || !ACTIONS.has(raw.action)) return undefined;
  const names = (field: unknown) =>
    Array.isArray(field) && field.every((item) => typeof item === 'string') ? (field as string[]) : undefined;
  const event: EgressEvent = { time: raw.time, host: raw.host, port: raw.port, action: raw.action as EgressAction };
  if (typeof raw.agent === 'string') event.agent = raw.agent;
  if (typeof raw.reason === 'string') event.reason = raw.reason;
  const injected = names(raw.injected);
  if (injected) event.injected = injected;
  const refused = names(raw.placeholderRefused);
  if (refused) event.placeholderRefused = refused;
  return event;
}

/** Text from the log, made safe for one terminal line (control characters escaped as JSON does). */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f]/.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

/** `2026-12-02T04:47:20Z fixer denied pypi.org:443 (not in allowlist)`, with the secrets it names. */
export function formatEgressEvent(event: EgressEvent): string {
  const time = event.time.replace(/\.\d+Z$/, 'Z');
  const host = isIP(event.host) === 6 ? `[${event.host}]` : event.host;
  const parts = [printable(time), printable(event.agent ?? '-'), event.action, `${printable(host)}:${event.port}`];
  if (event.reason) parts.push(`(${printable(event.reason)})`);
  if (event.injected?.length) parts.push(`injected ${event.injected.map(printable).join(',')}`);
  if (event.placeholderRefused?.length)
    parts.push(`placeholder refused ${event.placeholderRefused.map(printable).join(',')}`);
  return parts.join(' ');
}

/**
 * The allow entry that would have let the event's connection through: the host alone for 443 and
 * 80 (what an entry without a port allows), else `host:port`. Only `learned` events and those
 * `denied` by the allowlist itself, and no address that the address rules refuse whatever the
 * allowlist says (loopback, link-local…): an entry would not open it. Undefined for anything that
 * is no valid entry.
 */
export function getAllowEntry(event: EgressEvent): string | undefined {
  if (event.action !== 'learned' && !(event.action === 'denied' && event.reason === 'not in allowlist'))
    return undefined;
  if (event.host.startsWith('*')) return undefined;
  const host = isIP(event.host) === 6 ? `[${event.host}]` : event.host.toLowerCase();
  const entry = event.port === 443 || event.port === 80 ? host : `${host}:${event.port}`;
  let pattern;
  try {
    pattern = parseHostPattern(entry);
  } catch {
    return undefined;
  }
  // An address the allowlist is asked about first (loopback: `not in allowlist`) that no entry opens.
  if (isIP(event.host) !== 0 && getAddressRefusal(event.host, { allow: [pattern] }) !== undefined) return undefined;
  return entry;
}
