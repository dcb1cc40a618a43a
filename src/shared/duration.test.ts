import { describe, expect, it } from 'vitest';
import { DURATION_FORMS, parseDuration, parseGoDuration, parseStopTimeoutFlag, parseTimeoutFlag } from './duration.js';

describe('parseGoDuration (Go time.ParseDuration, as docker and podman read durations)', () => {
  it.each([
    ['0', 0],
    ['-0', 0],
    ['300ms', 300],
    ['1.5h', 5_400_000],
    ['1h30m', 5_400_000],
    ['2h45m10s', 9_910_000],
    ['10us', 0.01],
    ['10µs', 0.01],
    ['10μs', 0.01],
    ['1500ns', 0.0015],
    ['-5m', -300_000],
    ['+5m', 300_000],
    ['.5s', 500],
    ['5.s', 5000],
    ['1h1h', 7_200_000],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', '5', '-5', '1d', '1w', '.s', '.', 's', '10 m', ' 10m', '10m ', '1e3s', '--5m', '5m-', '1H', '3000000h'])(
    'rejects %j',
    (text) => {
      expect(parseGoDuration(text)).toBeUndefined();
    },
  );
});

describe('parseDuration (timeout flags): the same grammar, plus a bare number of seconds', () => {
  it.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    [' 1.5s ', 1500],
    // Rejected before, while `logs --since 1h30m` took it: one grammar now.
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['-5s', -5000],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'abc', '10x', '1d', '5 s'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNaN();
  });
});

describe('parseTimeoutFlag (--timeout of run and wait, --wait-timeout)', () => {
  it.each([
    ['90', 90_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseTimeoutFlag('--timeout', text)).toBe(ms);
  });

  it.each(['0', '-5s', 'soon', '1d', ''])('refuses %j, naming the flag and the forms it takes', (text) => {
    expect(() => parseTimeoutFlag('--wait-timeout', text, 'INVALID_WAIT_TIMEOUT')).toThrow(
      expect.objectContaining({
        code: 'INVALID_WAIT_TIMEOUT',
        kind: 'usage',
        message: `Invalid --wait-timeout "${text}"`,
        hint: `Give ${DURATION_FORMS}`,
      }),
    );
  });
});

describe('parseStopTimeoutFlag (stop/restart --timeout, run --stop-timeout): whole seconds', () => {
  it.each([
    ['0', 0],
    ['10', 10],
    ['10s', 10],
    ['2m', 120],
    ['1m30s', 90],
  ])('reads %j as %d s', (text, seconds) => {
    expect(parseStopTimeoutFlag('--timeout', text)).toBe(seconds);
  });

  it.each(['abc', '-1', '1.5', '0.5s', '1500ms', '10x'])(
    'refuses %j with INVALID_TIMEOUT, saying whole seconds',
    (text) => {
      expect(() => parseStopTimeoutFlag('--stop-timeout', text)).toThrow(
        expect.objectContaining({
          code: 'INVALID_TIMEOUT',
          message: `Invalid --stop-timeout "${text}"`,
          hint: expect.stringContaining('whole seconds'),
        }),
      );
    },
  );
});
