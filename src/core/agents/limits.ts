import { UsageError } from '../errors.js';

export interface Limits {
  /** CPUs as a decimal (HostConfig.NanoCpus = cpus × 1e9). */
  cpus: number;
  /** Bytes. */
  memory: number;
  pidsLimit: number;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
/** The engines refuse less than 6 MiB of memory. */
const MIN_MEMORY = 6 * 1024 ** 2;

/** Parses 512m, 4g, 1.5G, 4gb, 4GiB or a plain number of bytes (binary units, like docker). */
export function parseMemory(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(value.trim());
  const bytes = match ? Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!) : Number.NaN;
  if (!Number.isFinite(bytes) || bytes < MIN_MEMORY) {
    throw new UsageError('INVALID_MEMORY', `Invalid memory limit "${value}"`, {
      hint: 'Give a size of at least 6m, such as 512m, 4g or 1.5g',
    });
  }
  return bytes;
}

export function parseCpus(value: string | number): number {
  const cpus = typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(cpus) || cpus <= 0 || cpus > 1024) {
    throw new UsageError('INVALID_CPUS', `Invalid CPU limit "${value}"`, { hint: 'Give a positive number of CPUs, such as 2 or 0.5' });
  }
  return cpus;
}

export function parsePidsLimit(value: string | number): number {
  const pids = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(pids) || pids < 1) {
    throw new UsageError('INVALID_PIDS_LIMIT', `Invalid PIDs limit "${value}"`, { hint: 'Give a whole number of at least 1, such as 512' });
  }
  return pids;
}

/** Flags win over config, config over the defaults (2 CPUs, 4g, 512 PIDs). */
export function resolveLimits(
  flags: { cpus?: string; memory?: string; pidsLimit?: string },
  config: { cpus?: number; memory?: string; pidsLimit?: number } = {},
): Limits {
  return {
    cpus: parseCpus(flags.cpus ?? config.cpus ?? 2),
    memory: parseMemory(flags.memory ?? config.memory ?? '4g'),
    pidsLimit: parsePidsLimit(flags.pidsLimit ?? config.pidsLimit ?? 512),
  };
}

/** 4294967296 → "4g", 536870912 → "512m" (for ls). */
export function formatMemory(bytes: number): string {
  if (!bytes) return '-';
  for (const [unit, size] of [['t', 1024 ** 4], ['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) {
    if (bytes >= size) {
      const value = bytes / size;
      return `${Number.isInteger(value) ? value : value.toFixed(1)}${unit}`;
    }
  }
  return `${bytes}b`;
}
