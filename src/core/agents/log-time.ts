import { UsageError } from '../../shared/errors.js';
import { parseGoDuration } from '../../shared/duration.js';

/**
 * The time layouts docker's client tries for --since / --until (docker/cli `GetTimestamp`), in Go
 * layout terms; which one applies is decided from the value as docker decides it (see parseLogTime).
 */
type Layout = 'date' | 'hour' | 'minute' | 'second';

const DATE = '(\\d{4})-(\\d{2})-(\\d{2})';
/** Go's fixed-width fields: 4-digit year, 2-digit month, day, minute, second; the hour takes 1 or 2 digits. */
const LAYOUTS: Record<Layout, RegExp> = {
  date: new RegExp(`^${DATE}`),
  hour: new RegExp(`^${DATE}T(\\d{1,2})`),
  minute: new RegExp(`^${DATE}T(\\d{1,2}):(\\d{2})`),
  // Go takes a fraction after the seconds (`.` or `,`) whatever the layout says.
  second: new RegExp(`^${DATE}T(\\d{1,2}):(\\d{2}):(\\d{2})(?:[.,](\\d+))?`),
};

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 ? (leap ? 29 : 28) : [31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/**
 * Parses `text` with one layout, with (`zoned`) or without a zone suffix (`Z` or ±hh:mm), checking
 * every field's range as Go does (2026-02-30 is refused, not read as 2 March). Unix seconds, or
 * undefined when it does not parse. A zone-less time is in `offsetMinutes` (docker: the client's zone).
 */
function parseLayout(text: string, layout: Layout, zoned: boolean, offsetMinutes: number): number | undefined {
  const match = LAYOUTS[layout].exec(text);
  if (!match) return undefined;
  const [head, year, month, day, hour = '0', minute = '0', second = '0', fraction = ''] = match;
  const rest = text.slice(head.length);
  let offset = offsetMinutes;
  if (zoned) {
    const zone = /^(?:Z|([+-])(\d{2}):(\d{2}))$/.exec(rest);
    if (!zone) return undefined;
    if (zone[1] !== undefined) {
      const [hours, minutes] = [Number(zone[2]), Number(zone[3])];
      if (hours > 24 || minutes > 60) return undefined;
      offset = (zone[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
    } else offset = 0;
  } else if (rest !== '') return undefined;
  const [y, mo, d, h, mi, se] = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || se > 59) return undefined;
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, se));
  date.setUTCFullYear(y);
  return date.getTime() / 1000 - offset * 60 + (fraction ? Number(`0.${fraction}`) : 0);
}

/** Unix seconds as docker passes them through (`1700000000`, `1700000000.5`, `+5`): parseTimestamp. */
function parseUnixSeconds(text: string): number | undefined {
  const match = /^\+?(\d+)(?:\.(\+?\d+))?$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) + (match[2] === undefined ? 0 : Number(`0.${match[2].replace('+', '')}`));
}

/**
 * Turns a --since / --until value into Unix seconds exactly as `docker logs` reads it
 * (docker/cli `GetTimestamp`): a Go duration back from `now` (10m, 1h30m, 1.5h, 10us; negative
 * reaches into the future: -5m); an RFC 3339 date or date-time with optional parts (2026-01-02,
 * 2026-01-02T13, 2026-01-02T13:04, 2026-01-02T13:04:05.123456789, each with an optional Z or
 * ±hh:mm); or Unix seconds with an optional fraction (1700000000.5). Without a zone a time is in the
 * local zone, as docker's client reads it (`offsetMinutes`, the zone of `now` by default).
 */
export function parseLogTime(flag: string, text: string, now: Date, offsetMinutes = -now.getTimezoneOffset()): number {
  const invalid = () =>
    new UsageError('INVALID_LOG_TIME', `Invalid ${flag} value ${JSON.stringify(text)}`, {
      hint: `Give a duration like 10m or 1h30m, an RFC 3339 time like 2026-01-31T12:00:00Z (or a part of one: 2026-01-31, 2026-01-31T12), or Unix seconds (e.g. ${flag} 10m)`,
    });
  // "0" is a timestamp (the epoch), not a duration: docker's own exception.
  const duration = text === '0' ? undefined : parseGoDuration(text);
  if (duration !== undefined) return Math.floor(now.getTime() / 1000 - duration / 1000);
  const count = (pattern: RegExp) => (text.match(pattern) ?? []).length;
  const inLocation = !(/[zZ+]/.test(text) || count(/-/g) === 3);
  let layout: Layout;
  if (text.includes('.')) layout = 'second';
  else if (text.includes('T')) {
    let colons = count(/:/g);
    // A ±hh:mm zone brings a colon of its own.
    if (!inLocation && !/[zZ]/.test(text) && colons > 0) colons -= 1;
    layout = colons === 0 ? 'hour' : colons === 1 ? 'minute' : 'second';
  } else layout = 'date';
  const time = parseLayout(text, layout, !inLocation, offsetMinutes);
  if (time !== undefined) return Math.floor(time);
  // Something with a dash was meant as a date; anything else may still be Unix seconds.
  if (text.includes('-')) throw invalid();
  const seconds = parseUnixSeconds(text);
  if (seconds === undefined) throw invalid();
  return Math.floor(seconds);
}

/** --since and --until (each when given) as Unix seconds, read against one `now` (parseLogTime). */
export function parseLogWindow(
  options: { since?: string | undefined; until?: string | undefined },
  now: Date,
): { since: number | undefined; until: number | undefined } {
  return {
    since: options.since === undefined ? undefined : parseLogTime('--since', options.since, now),
    until: options.until === undefined ? undefined : parseLogTime('--until', options.until, now),
  };
}

/**
 * An engine's timestamp of a log line (RFC 3339 with up to nine fraction digits: Docker trims
 * trailing zeros, Podman and the kubelet may give a zone offset) in nanoseconds since the epoch,
 * exactly; undefined for anything else.
 */
export function engineTimeNanos(text: string): bigint | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!match) return undefined;
  const millis = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(millis)) return undefined;
  return BigInt(millis) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

/** Validates --tail: a non-negative whole number or "all" (undefined). */
export function parseTail(text: string | undefined): number | undefined {
  if (text === undefined || text === 'all') return undefined;
  if (!/^\d+$/.test(text)) {
    throw new UsageError('INVALID_TAIL', `Invalid --tail value "${text}"`, {
      hint: 'Give a number of lines, e.g. --tail 100, or --tail all',
    });
  }
  return Number(text);
}
