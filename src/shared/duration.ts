/**
 * Durations, in one grammar for every flag: Go's `time.ParseDuration` (what docker and podman take):
 * an optional sign, then one or more decimal numbers each with a unit — `ns`, `us` (`µs`, `μs`),
 * `ms`, `s`, `m`, `h` — such as 300ms, 1.5h, 1h30m, 10us or -5m. A bare `0` is zero. Timeout flags
 * also take a bare number of seconds (`docker stop -t 10`); `logs --since/--until` take the same
 * durations beside timestamps (core/agents/log-time.ts).
 */
import { UsageError } from './errors.js';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
/** Go's limit: a duration is an int64 of nanoseconds (about 292 years). */
const MAX_MS = 9_223_372_036_854.775;
const SEGMENT = /^(\d*)(?:\.(\d*))?([^\d.]*)/;

/** A Go duration in milliseconds (negative allowed), or undefined when `text` is not one. Nothing is trimmed. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const match = SEGMENT.exec(rest)!;
    const [whole, integer = '', fraction, unit = ''] = match;
    // A number needs a digit before or after its point, and a unit Go knows.
    if (integer === '' && (fraction === undefined || fraction === '')) return undefined;
    const factor = UNIT_MS[unit];
    if (factor === undefined) return undefined;
    total += Number(`${integer || '0'}.${fraction || '0'}`) * factor;
    rest = rest.slice(whole.length);
  }
  if (total > MAX_MS) return undefined;
  return sign * total;
}

/**
 * A timeout flag (--timeout, --wait-timeout): a Go duration, or a bare number of seconds (as
 * `docker stop -t 10`), surrounding spaces ignored → milliseconds; NaN when invalid. Callers refuse
 * zero and negative values.
 */
export function parseDuration(value: string): number {
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text) * 1000;
  return parseGoDuration(text) ?? Number.NaN;
}

/** What every timeout flag accepts, for hints. */
export const DURATION_FORMS = 'a duration such as 30s, 2m, 1h30m or 500ms (a bare number is seconds)';

/**
 * A timeout flag that must be longer than zero (--timeout of run and wait, --wait-timeout), in
 * milliseconds; a UsageError with `code` (INVALID_TIMEOUT by default) names the flag otherwise.
 */
export function parseTimeoutFlag(flag: string, value: string, code = 'INVALID_TIMEOUT'): number {
  const ms = parseDuration(value);
  if (Number.isFinite(ms) && ms > 0) return ms;
  throw new UsageError(code, `Invalid ${flag} "${value}"`, { hint: `Give ${DURATION_FORMS}` });
}

/**
 * The time between SIGTERM and SIGKILL (--timeout of stop and restart, --stop-timeout of run), in
 * whole seconds as the engines take it: 0 kills at once; `2m` is 120, `1.5s` is refused.
 */
export function parseStopTimeoutFlag(flag: string, value: string): number {
  const ms = parseDuration(value);
  if (Number.isFinite(ms) && ms >= 0 && ms % 1000 === 0) return ms / 1000;
  throw new UsageError('INVALID_TIMEOUT', `Invalid ${flag} "${value}"`, {
    hint: `Give ${DURATION_FORMS}, in whole seconds (0 kills at once)`,
  });
}
