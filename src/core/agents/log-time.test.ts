import { describe, expect, it } from 'vitest';
import { parseDuration, parseLogTime, parseTail } from './log-time.js';

const now = new Date('2026-11-23T12:00:00Z');
const nowSeconds = now.getTime() / 1000;

describe('parseLogTime', () => {
  it('reads durations back from now', () => {
    expect(parseLogTime('--since', '10m', now)).toBe(nowSeconds - 600);
    expect(parseLogTime('--since', '2h', now)).toBe(nowSeconds - 7200);
    expect(parseLogTime('--since', '1h30m', now)).toBe(nowSeconds - 5400);
    expect(parseLogTime('--since', '45s', now)).toBe(nowSeconds - 45);
    expect(parseDuration('1.5h')).toBe(5400);
  });

  it('reads RFC 3339 timestamps with and without a zone', () => {
    expect(parseLogTime('--since', '2026-11-23T11:00:00Z', now)).toBe(nowSeconds - 3600);
    expect(parseLogTime('--since', '2026-11-23T13:00:00+02:00', now)).toBe(nowSeconds - 3600);
    expect(parseLogTime('--since', '2026-11-23T11:00:00.5Z', now)).toBe(nowSeconds - 3600);
    expect(parseLogTime('--until', '2026-11-23', now)).toBe(nowSeconds - 12 * 3600);
  });

  it('accepts Unix seconds', () => {
    expect(parseLogTime('--since', '1700000000', now)).toBe(1700000000);
  });

  it('rejects anything else with a usage error naming the flag', () => {
    for (const bad of ['', 'yesterday', '10x', '2026-13-45T99:00:00Z', '-5m', '10 m']) {
      expect(() => parseLogTime('--until', bad, now)).toThrowError(
        expect.objectContaining({ code: 'INVALID_LOG_TIME', kind: 'usage', message: expect.stringContaining('--until') }),
      );
    }
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
