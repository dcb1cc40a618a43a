import { describe, expect, it } from 'vitest';
import { toStatsSample } from './dockerode-stats.js';

// Trimmed answers of GET /containers/{id}/stats?stream=false from Docker 20.10 and Podman 4.3 (cgroup v1).
const DOCKER = {
  read: '2026-12-02T04:22:04.105043303Z',
  pids_stats: { current: 3, limit: 50 },
  blkio_stats: {
    io_service_bytes_recursive: [
      { major: 8, minor: 0, op: 'Read', value: 4096 },
      { major: 8, minor: 0, op: 'Write', value: 8192 },
      { major: 8, minor: 0, op: 'Total', value: 12288 },
    ],
  },
  cpu_stats: { cpu_usage: { total_usage: 324462452 }, system_cpu_usage: 965780000000, online_cpus: 2 },
  memory_stats: { usage: 53891072, stats: { total_inactive_file: 221184, cache: 53067776 }, limit: 134217728 },
  networks: { eth0: { rx_bytes: 1042, tx_bytes: 10 }, eth1: { rx_bytes: 8, tx_bytes: 0 } },
};
const PODMAN = {
  read: '2026-12-02T04:22:09.548802605Z',
  pids_stats: { current: 1 },
  blkio_stats: { io_service_bytes_recursive: [], io_serviced_recursive: null },
  cpu_stats: { cpu_usage: { total_usage: 267217208 }, system_cpu_usage: 260299636259, online_cpus: 2 },
  memory_stats: { usage: 53624832, limit: 134217728 },
  networks: { network: { rx_bytes: 472, tx_bytes: 1456 } },
};

describe('toStatsSample', () => {
  it("reads Docker's answer: memory without the inactive page cache, block I/O by operation, every network summed", () => {
    expect(toStatsSample(DOCKER, 0)).toEqual({
      readAt: Date.parse('2026-12-02T04:22:04.105Z'),
      cpuNanoseconds: 324462452,
      onlineCpus: 2,
      memoryBytes: 53891072 - 221184,
      memoryLimitBytes: 134217728,
      pids: 3,
      pidsLimit: 50,
      network: { rxBytes: 1050, txBytes: 10 },
      blockIo: { readBytes: 4096, writeBytes: 8192 },
    });
  });

  it("reads Podman's answer, which has no PID limit and empty block I/O lists", () => {
    expect(toStatsSample(PODMAN, 0)).toMatchObject({
      memoryBytes: 53624832,
      pids: 1,
      pidsLimit: null,
      network: { rxBytes: 472, txBytes: 1456 },
      blockIo: { readBytes: 0, writeBytes: 0 },
    });
  });

  it("takes its own clock when the engine gives no reading time, and no limit for cgroup v2's max", () => {
    const sample = toStatsSample(
      { read: '0001-01-01T00:00:00Z', pids_stats: { current: 2, limit: 18446744073709552000 } },
      1234,
    );
    expect(sample).toMatchObject({ readAt: 1234, pidsLimit: null, memoryLimitBytes: null, onlineCpus: null });
  });
});
