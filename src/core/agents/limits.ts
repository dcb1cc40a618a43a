import { UsageError } from '../../shared/errors.js';

export interface Limits {
  /** CPUs as a decimal (HostConfig.NanoCpus = cpus × 1e9). */
  cpus: number;
  /** Bytes. */
  memory: number;
  pidsLimit: number;
  /** Bytes of output the engine keeps per log file (Docker: 5 files; Podman: one file, cut back). */
  logBytes: number;
}

/** The default log size per file: Docker keeps 5 (100 MiB in all), Podman's one file is cut back. */
export const DEFAULT_LOG_SIZE = '20m';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
/** The engines refuse less than 6 MiB of memory. */
const MIN_MEMORY = 6 * 1024 ** 2;
/**
 * 8 PiB (2^53 bytes, "8192t"): the largest size a JavaScript number holds exactly. Larger sizes
 * overflow the engines' int64 (`999999999t`: "cannot unmarshal number … of type int64").
 */
export const MAX_MEMORY = 2 ** 53;
/** The engines refuse a CPU quota below 1/100 CPU (Docker: "Range of CPUs is from 0.01"; Podman: 1 ms per 100 ms). */
export const MIN_CPUS = 0.01;
export const MAX_CPUS = 1024;
/** Linux's PID_MAX_LIMIT (2^22): the kernel refuses a larger pids.max ("invalid argument"). */
export const MAX_PIDS_LIMIT = 4_194_304;

// The value is never repeated in these messages: it may be a secret pasted into the wrong flag, and
// they are thrown before the secrets are known to the output masker.

/** Parses 512m, 4g, 1.5G, 4gb, 4GiB or a plain number of bytes (binary units, like docker), 6m to 8192t. */
export function parseMemory(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(value.trim());
  const bytes = match ? Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!) : Number.NaN;
  if (!Number.isFinite(bytes)) {
    throw new UsageError('INVALID_MEMORY', 'Invalid memory limit: not a size', {
      hint: 'Give a size of at least 6m, such as 512m, 4g or 1.5g (units b, k, m, g, t)',
    });
  }
  if (bytes < MIN_MEMORY || bytes > MAX_MEMORY) {
    throw new UsageError('INVALID_MEMORY', `Invalid memory limit: ${bytes < MIN_MEMORY ? 'below 6m' : 'above 8192t'}`, {
      hint: 'Give a size from 6m to 8192t, such as 512m, 4g or 1.5g',
    });
  }
  return bytes;
}

export function parseCpus(value: string | number): number {
  const cpus = typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(cpus) || cpus < MIN_CPUS || cpus > MAX_CPUS) {
    const why = !Number.isFinite(cpus) ? 'not a number' : cpus < MIN_CPUS ? `below ${MIN_CPUS}` : `above ${MAX_CPUS}`;
    throw new UsageError('INVALID_CPUS', `Invalid CPU limit: ${why}`, {
      hint: `Give a number of CPUs from ${MIN_CPUS} to the engine's CPU count, such as 2 or 0.5`,
    });
  }
  return cpus;
}

export function parsePidsLimit(value: string | number): number {
  const pids = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(pids) || pids < 1 || pids > MAX_PIDS_LIMIT) {
    const why = !Number.isInteger(pids)
      ? 'not a whole number'
      : pids < 1
        ? 'below 1'
        : `above ${MAX_PIDS_LIMIT} (the kernel's limit)`;
    throw new UsageError('INVALID_PIDS_LIMIT', `Invalid PIDs limit: ${why}`, {
      hint: `Give a whole number from 1 to ${MAX_PIDS_LIMIT}, such as 512`,
    });
  }
  return pids;
}

/**
 * Fits the CPU limit to the engine's CPU count (GET /info NCPU): Docker refuses more CPUs than its
 * host has ("Range of CPUs is from 0.01 to 1.00"), so the default of 2 would make every start on a
 * 1-CPU host fail. A limit the user gave (flag or config) above the count is a usage error; the
 * default is lowered to the count, with a note. Unknown count: unchanged.
 */
export function fitCpusToEngine(
  limits: Limits,
  engineCpus: number | undefined,
  given: boolean,
): { limits: Limits; note?: string } {
  if (engineCpus === undefined || !Number.isFinite(engineCpus) || engineCpus <= 0 || limits.cpus <= engineCpus)
    return { limits };
  if (given) {
    throw new UsageError(
      'INVALID_CPUS',
      `Invalid CPU limit: ${limits.cpus} CPUs, but the engine has only ${engineCpus}`,
      {
        hint: `Give --cpus ${engineCpus} or less (or set resources.cpus in config to at most ${engineCpus})`,
      },
    );
  }
  return {
    limits: { ...limits, cpus: engineCpus },
    note: `The engine has ${engineCpus} CPU${engineCpus === 1 ? '' : 's'}: the agent gets ${engineCpus} instead of the default ${limits.cpus} (set --cpus to choose)`,
  };
}

/** Parses a log size (resources.logSize): the same forms as a memory size, 1m to 8192t. */
export function parseLogSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(value.trim());
  const bytes = match ? Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!) : Number.NaN;
  if (!Number.isFinite(bytes) || bytes < 1024 ** 2 || bytes > MAX_MEMORY) {
    throw new UsageError('INVALID_LOG_SIZE', 'Invalid log size (resources.logSize): give 1m to 8192t', {
      hint: 'Set resources.logSize to a size such as 20m or 1g (units k, m, g, t)',
    });
  }
  return bytes;
}

/** Flags win over config, config over the defaults (2 CPUs, 4g, 512 PIDs, 20m of log per file). */
export function resolveLimits(
  flags: { cpus?: string; memory?: string; pidsLimit?: string },
  config: { cpus?: number; memory?: string; pidsLimit?: number; logSize?: string } = {},
): Limits {
  return {
    cpus: parseCpus(flags.cpus ?? config.cpus ?? 2),
    memory: parseMemory(flags.memory ?? config.memory ?? '4g'),
    pidsLimit: parsePidsLimit(flags.pidsLimit ?? config.pidsLimit ?? 512),
    logBytes: parseLogSize(config.logSize ?? DEFAULT_LOG_SIZE),
  };
}

/** 4294967296 → "4g", 536870912 → "512m" (for ls). */
export function formatMemory(bytes: number): string {
  if (!bytes) return '-';
  for (const [unit, size] of [
    ['t', 1024 ** 4],
    ['g', 1024 ** 3],
    ['m', 1024 ** 2],
    ['k', 1024],
  ] as const) {
    if (bytes >= size) {
      const value = bytes / size;
      return `${Number.isInteger(value) ? value : value.toFixed(1)}${unit}`;
    }
  }
  return `${bytes}b`;
}
