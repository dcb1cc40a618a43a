import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, UntrustedConfigError } from '../core/errors.js';
import type { Config } from './schema.js';

/**
 * What a project config file may set without the user's approval:
 * - `free`: cannot loosen confinement (git identity, worktree mode, pull policy);
 * - `at-most`: a limit that may only be tightened (no higher than the defaults and user config);
 * - `trust`: chooses the engine, the network, capabilities, the OCI runtime, host directories,
 *   host secrets or what code runs with them (images, commands, agent profiles, tasks).
 * Every key of the schema is listed (the compiler checks it), so a new key needs a decision.
 */
export type KeyRule = 'free' | 'at-most' | 'trust';
type KeyRules<T> = { [K in keyof T]-?: KeyRule | KeyRules<NonNullable<T[K]>> };

export const PROJECT_KEY_RULES = {
  runtime: 'trust',
  host: 'trust',
  backend: 'trust',
  image: { repository: 'trust', tag: 'trust', useLocal: 'trust', devTag: 'trust', pull: 'free' },
  defaultAgent: 'trust',
  agents: 'trust',
  tasks: 'trust',
  resources: { cpus: 'at-most', memory: 'at-most', pidsLimit: 'at-most' },
  secrets: 'trust',
  worktree: 'free',
  worktreeDir: 'trust',
  git: { name: 'free', email: 'free' },
  dataDir: 'trust',
  network: 'trust',
  ociRuntime: 'trust',
  kubernetes: 'trust',
} as const satisfies KeyRules<Config>;

export interface KeyNeedingTrust {
  /** Dotted path of the key as set in the file (`agents.claude.capabilities`). */
  key: string;
  /** Why, when it is not plain (`above 4g`). */
  note?: string;
}

type Plain = Record<string, unknown>;
const isPlain = (value: unknown): value is Plain => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The keys of a (validated) project config that need the user's approval. `base` is the config
 * without the project layer (defaults and user config): limits are compared with it.
 */
export function getKeysNeedingTrust(project: Plain, base: Pick<Config, 'resources'>): KeyNeedingTrust[] {
  const found: KeyNeedingTrust[] = [];
  const walk = (value: Plain, rules: Plain | undefined, prefix: string, baseValue: unknown) => {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const dotted = prefix ? `${prefix}.${key}` : key;
      // An unknown key (never past the schema) fails closed.
      const rule = rules?.[key] ?? 'trust';
      const below = isPlain(baseValue) ? baseValue[key] : undefined;
      if (rule === 'free') continue;
      if (rule === 'trust') found.push(...leaves(item, dotted).map((leaf) => ({ key: leaf })));
      else if (rule === 'at-most') {
        if (!isAtMost(item, below)) found.push({ key: dotted, note: below === undefined ? 'no limit is set below it' : `above ${String(below)}` });
      } else if (isPlain(item)) walk(item, rule as Plain, dotted, below);
      else found.push({ key: dotted });
    }
  };
  walk(project, PROJECT_KEY_RULES, '', base);
  return found;
}

function leaves(value: unknown, prefix: string): string[] {
  if (!isPlain(value)) return [prefix];
  return Object.entries(value).flatMap(([key, item]) => (item === undefined ? [] : leaves(item, `${prefix}.${key}`)));
}

function isAtMost(value: unknown, limit: unknown): boolean {
  const a = toNumber(value);
  const b = toNumber(limit);
  return a !== undefined && b !== undefined && a <= b;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(value.trim());
  return match ? Number(match[1]) * UNITS[match[2]!.toLowerCase()]! : undefined;
}

/** sha256 of the exact bytes read, hex. */
export function hashConfig(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// The record of approved files. It lives in the user's data directory, which only the user's own
// layers (user config, AGENTCTL_DATA_DIR) choose, never a project file.
export const TRUST_STORE_FILE = 'trusted-config.json';

export interface TrustRecord {
  sha256: string;
  trustedAt: string;
}

export interface TrustStore {
  version: 1;
  files: Record<string, TrustRecord>;
}

export function getTrustStorePath(dataDir: string): string {
  return path.join(dataDir, TRUST_STORE_FILE);
}

/** The key a file is recorded under: its directory's real path and its own name (not followed). */
export function getTrustKey(filepath: string): string {
  const absolute = path.resolve(filepath);
  try {
    return path.join(realpathSync(path.dirname(absolute)), path.basename(absolute));
  } catch {
    return absolute;
  }
}

export function readTrustStore(storePath: string): TrustStore {
  let text: string;
  try {
    text = readFileSync(storePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, files: {} };
    throw invalidStore(storePath, error);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!isPlain(parsed) || parsed.version !== 1 || !isPlain(parsed.files)) throw new Error('not an agentctl trust record');
    const files: Record<string, TrustRecord> = {};
    for (const [file, record] of Object.entries(parsed.files)) {
      if (!isPlain(record) || typeof record.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(record.sha256)) throw new Error(`bad entry for ${file}`);
      files[file] = { sha256: record.sha256, trustedAt: typeof record.trustedAt === 'string' ? record.trustedAt : '' };
    }
    return { version: 1, files };
  } catch (error) {
    throw invalidStore(storePath, error);
  }
}

/** Writes the record atomically (a temporary file renamed over it), readable by the user only. */
export function writeTrustStore(storePath: string, store: TrustStore): void {
  mkdirSync(path.dirname(storePath), { recursive: true, mode: 0o700 });
  const sorted = Object.fromEntries(Object.entries(store.files).sort(([a], [b]) => a.localeCompare(b)));
  const temporary = `${storePath}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify({ version: 1, files: sorted }, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, storePath);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new ConfigError('TRUST_STORE_UNWRITABLE', `Cannot write the trust record ${storePath}: ${reasonOf(error)}`, {
      hint: `Check that ${path.dirname(storePath)} is writable (or set AGENTCTL_DATA_DIR to a directory that is)`,
      cause: error,
    });
  }
}

/**
 * Throws unless the file needs no approval or the user approved these exact bytes. The error names
 * the file and its keys, and says how to approve it.
 */
export function assertProjectTrusted(
  file: { filepath: string; bytes: Buffer },
  keys: KeyNeedingTrust[],
  storePath: string,
): 'not-needed' | 'trusted' {
  if (keys.length === 0) return 'not-needed';
  const record = readTrustStore(storePath).files[getTrustKey(file.filepath)];
  const sha256 = hashConfig(file.bytes);
  if (record?.sha256 === sha256) return 'trusted';
  const listed = formatKeys(keys);
  const command = `agentctl trust ${quote(file.filepath)}`;
  const details = { file: file.filepath, keys: keys.map((k) => k.key), sha256 };
  if (record) {
    throw new UntrustedConfigError('CONFIG_CHANGED_SINCE_TRUST', `Project config ${file.filepath} changed since you trusted it and sets ${listed}`, {
      hint: `Review the change; if it is yours, approve it again with \`${command}\``,
      details,
    });
  }
  throw new UntrustedConfigError('CONFIG_UNTRUSTED', `Project config ${file.filepath} sets ${listed}, which need your approval`, {
    hint: `Review the file; if you wrote it, run \`${command}\` (an agent may write files in a project)`,
    details,
  });
}

export function formatKeys(keys: KeyNeedingTrust[], max = 6): string {
  const shown = keys.slice(0, max).map((k) => (k.note ? `${k.key} (${k.note})` : k.key));
  return keys.length > max ? `${shown.join(', ')} and ${keys.length - max} more` : shown.join(', ');
}

function quote(file: string): string {
  return /^[\w@%+=:,./-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
}

function invalidStore(storePath: string, error: unknown): ConfigError {
  return new ConfigError('TRUST_STORE_INVALID', `Cannot read the trust record ${storePath}: ${reasonOf(error)}`, {
    hint: `Delete ${storePath}, then approve your project config files again with \`agentctl trust FILE\``,
    cause: error,
  });
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
