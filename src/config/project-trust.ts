import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, UntrustedConfigError } from '../shared/errors.js';
import { formatKeys, type KeyNeedingTrust } from './project-key-rules.js';

// The trust record and hashes. load-config imports this module only when a project config sets
// keys that need approval: node:crypto costs ~3 ms of start-up.

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
    if (!isPlain(parsed) || parsed.version !== 1 || !isPlain(parsed.files))
      throw new Error('not an agentctl trust record');
    const files: Record<string, TrustRecord> = {};
    for (const [file, record] of Object.entries(parsed.files)) {
      if (!isPlain(record) || typeof record.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(record.sha256))
        throw new Error(`bad entry for ${file}`);
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
    throw new UntrustedConfigError(
      'CONFIG_CHANGED_SINCE_TRUST',
      `Project config ${file.filepath} changed since you trusted it and sets ${listed}`,
      {
        hint: `Review the change; if it is yours, approve it again with \`${command}\``,
        details,
      },
    );
  }
  throw new UntrustedConfigError(
    'CONFIG_UNTRUSTED',
    `Project config ${file.filepath} sets ${listed}, which need your approval`,
    {
      hint: `Review the file; if you wrote it, run \`${command}\` (an agent may write files in a project)`,
      details,
    },
  );
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

const isPlain = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
