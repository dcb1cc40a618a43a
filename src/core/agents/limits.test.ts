import { describe, expect, it } from 'vitest';
import {
  fitCpusToEngine,
  formatMemory,
  MAX_MEMORY,
  parseCpus,
  parseMemory,
  parsePidsLimit,
  resolveLimits,
} from './limits.js';

describe('limits', () => {
  it('parses memory sizes in binary units', () => {
    expect(parseMemory('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemory('4g')).toBe(4 * 1024 ** 3);
    expect(parseMemory('4GB')).toBe(4 * 1024 ** 3);
    expect(parseMemory('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseMemory('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseMemory('10485760')).toBe(10485760);
  });

  it.each(['', 'lots', '4x', '-1g', '1m', '0'])('refuses memory %j with INVALID_MEMORY', (value) => {
    expect(() => parseMemory(value)).toThrow(expect.objectContaining({ code: 'INVALID_MEMORY', kind: 'usage' }));
  });

  it('parses CPUs and PIDs, refusing nonsense', () => {
    expect(parseCpus('0.5')).toBe(0.5);
    expect(() => parseCpus('0')).toThrow(expect.objectContaining({ code: 'INVALID_CPUS' }));
    expect(() => parseCpus('two')).toThrow(expect.objectContaining({ code: 'INVALID_CPUS' }));
    expect(parsePidsLimit('100')).toBe(100);
    expect(() => parsePidsLimit('1.5')).toThrow(expect.objectContaining({ code: 'INVALID_PIDS_LIMIT' }));
  });

  it('uses flags over config over the defaults (2 CPUs, 4g, 512 PIDs, 20m of log per file)', () => {
    expect(resolveLimits({})).toEqual({ cpus: 2, memory: 4 * 1024 ** 3, pidsLimit: 512, logBytes: 20 * 1024 ** 2 });
    expect(resolveLimits({ memory: '1g' }, { memory: '2g', cpus: 4, logSize: '1g' })).toEqual({
      cpus: 4,
      memory: 1024 ** 3,
      pidsLimit: 512,
      logBytes: 1024 ** 3,
    });
  });

  it('refuses a log size below 1m or not a size (a usage error that does not repeat the value)', () => {
    for (const value of ['512k', 'lots', '0'])
      expect(() => resolveLimits({}, { logSize: value })).toThrow(
        expect.objectContaining({ code: 'INVALID_LOG_SIZE', message: expect.not.stringContaining(value) }),
      );
  });

  it('formats memory for ls', () => {
    expect(formatMemory(4 * 1024 ** 3)).toBe('4g');
    expect(formatMemory(512 * 1024 ** 2)).toBe('512m');
    expect(formatMemory(0)).toBe('-');
  });

  // Each of these reached the engine and came back as exit 5 with the engine's own text.
  it.each([
    ['--memory 999999999t (overflows the engine int64)', () => parseMemory('999999999t'), 'INVALID_MEMORY'],
    ['--memory 8193t', () => parseMemory('8193t'), 'INVALID_MEMORY'],
    ['--pids-limit 1e20 from config', () => parsePidsLimit(1e20), 'INVALID_PIDS_LIMIT'],
    ['--pids-limit 100000000000000000000', () => parsePidsLimit('100000000000000000000'), 'INVALID_PIDS_LIMIT'],
    ['--pids-limit 4194305 (above PID_MAX_LIMIT)', () => parsePidsLimit('4194305'), 'INVALID_PIDS_LIMIT'],
    ["--cpus 0.001 (below the engines' 0.01)", () => parseCpus('0.001'), 'INVALID_CPUS'],
    ['cpus 0.009 from config', () => parseCpus(0.009), 'INVALID_CPUS'],
  ])('refuses %s as a usage error', (_title, parse, code) => {
    expect(parse).toThrow(expect.objectContaining({ code, kind: 'usage' }));
  });

  it('keeps the largest accepted values', () => {
    expect(parseMemory('8192t')).toBe(MAX_MEMORY);
    expect(parsePidsLimit('4194304')).toBe(4194304);
    expect(parseCpus('0.01')).toBe(0.01);
  });

  it('never repeats the value in the message or hint (it may be a secret given to the wrong flag)', () => {
    const secret = 'sk-ant-api03-abcdef';
    for (const parse of [() => parseMemory(secret), () => parseCpus(secret), () => parsePidsLimit(secret)]) {
      let thrown: { message: string; hint: string } | undefined;
      try {
        parse();
      } catch (error) {
        thrown = error as { message: string; hint: string };
      }
      expect(thrown).toBeDefined();
      expect(`${thrown!.message} ${thrown!.hint}`).not.toContain(secret);
      expect(`${thrown!.message} ${thrown!.hint}`).not.toContain('sk-');
    }
  });

  it('lowers the default of 2 CPUs to a 1-CPU engine with a note, and refuses a given value above the engine', () => {
    const limits = resolveLimits({});
    expect(fitCpusToEngine(limits, 1, false)).toEqual({
      limits: { ...limits, cpus: 1 },
      note: 'The engine has 1 CPU: the agent gets 1 instead of the default 2 (set --cpus to choose)',
    });
    expect(() => fitCpusToEngine(resolveLimits({ cpus: '3' }), 2, true)).toThrow(
      expect.objectContaining({
        code: 'INVALID_CPUS',
        kind: 'usage',
        message: 'Invalid CPU limit: 3 CPUs, but the engine has only 2',
      }),
    );
    expect(fitCpusToEngine(resolveLimits({ cpus: '2' }), 2, true)).toEqual({ limits: resolveLimits({ cpus: '2' }) });
    expect(fitCpusToEngine(limits, undefined, false)).toEqual({ limits });
  });
});
