import { describe, expect, it } from 'vitest';
import { engineTimeNanos, parseLogTime, parseLogWindow, parseTail } from './log-time.js';

const now = new Date('2026-11-23T12:00:00Z');
const nowSeconds = now.getTime() / 1000;
const at = (iso: string) => Date.parse(iso) / 1000;

// Value by value, what `docker logs --since VALUE` sends (docker/cli GetTimestamp: Go's
// time.ParseDuration, then the RFC 3339 layouts it picks from the value, then Unix seconds),
// here with the client in UTC (offset 0) unless the row says otherwise.
describe('parseLogTime reads --since / --until as docker does', () => {
  it.each([
    // Go durations, back from now
    ['10m', nowSeconds - 600],
    ['1h30m', nowSeconds - 5400],
    ['1.5h', nowSeconds - 5400],
    ['45s', nowSeconds - 45],
    ['10us', nowSeconds - 1],
    ['300ms', nowSeconds - 1],
    ['-5m', nowSeconds + 300],
    ['-0', nowSeconds],
    // "0" is the epoch (a timestamp, docker's exception), not a zero duration
    ['0', 0],
    // RFC 3339 with optional parts, no zone: the client's zone
    ['2026-01-02', at('2026-01-02T00:00:00Z')],
    ['2026-01-02T13', at('2026-01-02T13:00:00Z')],
    ['2026-01-02T3', at('2026-01-02T03:00:00Z')],
    ['2026-01-02T13:04', at('2026-01-02T13:04:00Z')],
    ['2026-01-02T13:04:05', at('2026-01-02T13:04:05Z')],
    ['2026-01-02T13:04:05.123456789', at('2026-01-02T13:04:05Z')],
    ['2028-02-29', at('2028-02-29T00:00:00Z')],
    // ... and with a zone
    ['2026-01-02Z', at('2026-01-02T00:00:00Z')],
    ['2026-01-02+01:00', at('2026-01-01T23:00:00Z')],
    ['2026-01-02-05:00', at('2026-01-02T05:00:00Z')],
    ['2026-01-02T13Z', at('2026-01-02T13:00:00Z')],
    ['2026-01-02T13+01:00', at('2026-01-02T12:00:00Z')],
    ['2026-01-02T13-01:00', at('2026-01-02T14:00:00Z')],
    ['2026-01-02T13:04Z', at('2026-01-02T13:04:00Z')],
    ['2026-11-23T11:00:00Z', nowSeconds - 3600],
    ['2026-11-23T13:00:00+02:00', nowSeconds - 3600],
    ['2026-11-23T11:00:00.5Z', nowSeconds - 3600],
    ['2026-01-02T13:04:05.5-02:00', at('2026-01-02T15:04:05Z')],
    // Unix seconds, with an optional fraction
    ['1700000000', 1700000000],
    ['1700000000.5', 1700000000],
    ['+5', 5],
    ['00', 0],
  ])('takes %j', (text, seconds) => {
    expect(parseLogTime('--since', text, now, 0)).toBe(seconds);
  });

  it('reads a time without a zone in the client zone, as docker does (here UTC+1)', () => {
    expect(parseLogTime('--since', '2026-01-02T13', now, 60)).toBe(at('2026-01-02T12:00:00Z'));
    expect(parseLogTime('--since', '2026-01-02', now, 60)).toBe(at('2026-01-01T23:00:00Z'));
    expect(parseLogTime('--since', '2026-01-02T13Z', now, 60)).toBe(at('2026-01-02T13:00:00Z'));
  });

  it.each([
    // out of range: no rolling over (2026-02-30 was read as 2 March)
    '2026-02-30',
    '2026-02-29',
    '2026-13-45T99:00:00Z',
    '2026-01-02T24',
    '2026-01-02T13:60',
    '2026-01-02T13:04:60',
    '2026-01-02T13:04:05+25:00',
    // not docker's layouts
    '2026-1-02',
    '26-01-02',
    '2026-01-02 13:00',
    '2026-01-02t13',
    '2026-01-02T13:04:05z',
    '2026-01-02T13:04:05+0100',
    '2026-01-02T13.5',
    // not Go durations, not Unix seconds
    '',
    'yesterday',
    '1d',
    '10x',
    '10 m',
    ' 10m',
    '-5',
    '1e9',
    '5.',
    'T13',
  ])('rejects %j with a usage error naming the flag', (text) => {
    expect(() => parseLogTime('--until', text, now, 0)).toThrowError(
      expect.objectContaining({
        code: 'INVALID_LOG_TIME',
        kind: 'usage',
        message: `Invalid --until value ${JSON.stringify(text)}`,
      }),
    );
  });
});

describe('parseLogWindow', () => {
  it('reads each flag that is given against the same now, and names the flag that is wrong', () => {
    expect(parseLogWindow({ since: '10m', until: '1700000000' }, now)).toEqual({
      since: nowSeconds - 600,
      until: 1700000000,
    });
    expect(parseLogWindow({ until: '0' }, now)).toEqual({ since: undefined, until: 0 });
    expect(parseLogWindow({}, now)).toEqual({ since: undefined, until: undefined });
    expect(() => parseLogWindow({ since: '10m', until: 'soon' }, now)).toThrowError(
      expect.objectContaining({ code: 'INVALID_LOG_TIME', message: 'Invalid --until value "soon"' }),
    );
  });
});

describe('parseTail', () => {
  it('accepts numbers and all', () => {
    expect(parseTail('0')).toBe(0);
    expect(parseTail('100')).toBe(100);
    expect(parseTail('all')).toBeUndefined();
    expect(parseTail(undefined)).toBeUndefined();
  });
  it('rejects the rest', () => {
    expect(() => parseTail('-1')).toThrowError(expect.objectContaining({ code: 'INVALID_TAIL' }));
    expect(() => parseTail('ten')).toThrowError(expect.objectContaining({ code: 'INVALID_TAIL' }));
  });
});

describe('engineTimeNanos', () => {
  const second = BigInt(Date.parse('2026-12-03T18:11:07Z')) * 1_000_000n;

  it('reads Docker’s trimmed fractions, nine digits and zone offsets exactly', () => {
    expect(engineTimeNanos('2026-12-03T18:11:07Z')).toBe(second);
    expect(engineTimeNanos('2026-12-03T18:11:07.5Z')).toBe(second + 500_000_000n);
    expect(engineTimeNanos('2026-12-03T18:11:07.514675123Z')).toBe(second + 514_675_123n);
    expect(engineTimeNanos('2026-12-03T19:11:07.000000001+01:00')).toBe(second + 1n);
  });

  it('is undefined for what is no engine timestamp', () => {
    for (const text of ['', 'garbage', '2026-12-03T18:11:07', '2026-12-03T18:11:07.1234567890Z', '{"time":1}'])
      expect(engineTimeNanos(text), text).toBeUndefined();
  });
});
