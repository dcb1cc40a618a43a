import { UsageError } from '../errors.js';

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Parses a duration such as 10m, 2h, 1h30m, 45s, 500ms into seconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  let rest = text.trim();
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const match = DURATION.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * UNIT_SECONDS[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return total;
}

/**
 * Turns a --since / --until value into Unix seconds: a duration back from `now` (10m, 2h), an
 * RFC 3339 timestamp (2026-11-23T15:00:00Z; a date alone is midnight UTC), or Unix seconds.
 */
export function parseLogTime(flag: string, text: string, now: Date): number {
  const duration = parseDuration(text);
  if (duration !== undefined) return Math.floor(now.getTime() / 1000 - duration);
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  if (RFC3339.test(text)) {
    // Without a zone, a time is read as UTC (as the engine does), never as local time.
    const iso = /[T ]/i.test(text) ? text.replace(' ', 'T') : `${text}T00:00:00Z`;
    const ms = Date.parse(/(?:Z|[+-]\d{2}:?\d{2})$/i.test(iso) ? iso : `${iso}Z`);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  throw new UsageError('INVALID_LOG_TIME', `Invalid ${flag} value "${text}"`, {
    hint: `Give a duration like 10m or 2h, or an RFC 3339 time like 2026-01-31T12:00:00Z (e.g. ${flag} 10m)`,
  });
}

/** Validates --tail: a non-negative whole number or "all" (undefined). */
export function parseTail(text: string | undefined): number | undefined {
  if (text === undefined || text === 'all') return undefined;
  if (!/^\d+$/.test(text)) {
    throw new UsageError('INVALID_TAIL', `Invalid --tail value "${text}"`, { hint: 'Give a number of lines, e.g. --tail 100, or --tail all' });
  }
  return Number(text);
}
