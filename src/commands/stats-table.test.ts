import { describe, expect, it } from 'vitest';
import { formatBinaryBytes, formatDecimalBytes, statsTable } from './stats-table.js';

describe('statsTable', () => {
  it('lays out the agents as `docker stats` does: memory in binary units, I/O in decimal ones', () => {
    const lines = statsTable(
      [
        {
          name: 'hog',
          container: 'agentctl-hog',
          id: '0123456789ab',
          state: 'running',
          cpuPercent: 103.456,
          memory: { usageBytes: 62 * 1024 * 1024 + 512 * 1024, limitBytes: 96 * 1024 * 1024, percent: 65.1 },
          pids: { current: 7, limit: 64 },
          network: { rxBytes: 1042, txBytes: 0 },
          blockIo: { readBytes: 12_500_000, writeBytes: 4096 },
          readAt: '2026-12-02T04:22:04.105Z',
        },
        {
          name: 'idle',
          container: 'agentctl-idle',
          id: '0123456789ac',
          state: 'exited',
          cpuPercent: null,
          memory: null,
          pids: null,
          network: null,
          blockIo: null,
          readAt: null,
        },
      ],
      { bold: (text) => text },
    );
    expect(lines).toEqual([
      'NAME  STATE      CPU %  MEM USAGE / LIMIT   MEM %  PIDS / LIMIT  NET I/O      BLOCK I/O',
      'hog   running  103.46%  62.5MiB / 96MiB    65.10%  7 / 64        1.04kB / 0B  12.5MB / 4.1kB',
      'idle  exited         -  -                       -  -             -            -',
    ]);
  });

  it('formats sizes with three significant digits', () => {
    expect(formatBinaryBytes(0)).toBe('0B');
    expect(formatBinaryBytes(1536)).toBe('1.5KiB');
    expect(formatBinaryBytes(4 * 1024 ** 3)).toBe('4GiB');
    expect(formatDecimalBytes(999)).toBe('999B');
    expect(formatDecimalBytes(123_456_789)).toBe('123MB');
  });
});
