import { describe, expect, it } from 'vitest';
import { formatMemory, parseCpus, parseMemory, parsePidsLimit, resolveLimits } from './limits.js';

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

  it('uses flags over config over the defaults (2 CPUs, 4g, 512 PIDs)', () => {
    expect(resolveLimits({})).toEqual({ cpus: 2, memory: 4 * 1024 ** 3, pidsLimit: 512 });
    expect(resolveLimits({ memory: '1g' }, { memory: '2g', cpus: 4 })).toEqual({ cpus: 4, memory: 1024 ** 3, pidsLimit: 512 });
  });

  it('formats memory for ls', () => {
    expect(formatMemory(4 * 1024 ** 3)).toBe('4g');
    expect(formatMemory(512 * 1024 ** 2)).toBe('512m');
    expect(formatMemory(0)).toBe('-');
  });
});
