import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../shared/errors.js';
import { loadConfig, userConfigDir, type ConfigDeps } from '../../config/load-config.js';
import { getDataDir } from '../../config/paths.js';
import {
  findProjectConfig,
  PROJECT_CONFIG_FILES,
  readConfigBytes,
  readProjectConfigFile,
  type ProjectConfigFile,
} from '../../config/project-config.js';
import { getKeysNeedingTrust } from '../../config/project-key-rules.js';
import {
  getTrustKey,
  getTrustStorePath,
  hashConfig,
  readTrustStore,
  writeTrustStore,
} from '../../config/project-trust.js';
import type { Config } from '../../config/schema.js';

export interface TrustDeps extends ConfigDeps {
  now?: () => Date;
}

export interface TrustResult {
  file: string;
  sha256: string;
  /** The keys of the file that needed approval and now apply. */
  keys: string[];
  store: string;
}

export interface RevokeResult {
  file: string;
  /** false: the file was not trusted. */
  revoked: boolean;
  store: string;
}

export interface TrustedFile {
  file: string;
  sha256: string;
  trustedAt: string;
  /** trusted: unchanged since approved; changed: edited since (no longer applies); missing: gone. */
  status: 'trusted' | 'changed' | 'missing';
}

/**
 * Approves one project config file: records the sha256 of its bytes in the user's data directory
 * (chosen by the user config and AGENTCTL_DATA_DIR, never by a project file). Without `file`, the
 * project config found from the current directory. The file must parse and match the schema.
 */
export async function trustProjectConfig(deps: TrustDeps, file?: string): Promise<TrustResult> {
  const found = file === undefined ? await findOrFail(deps) : await readGiven(deps, file);
  const { validateConfig } = await import('../../config/validate.js');
  const validated = await validateConfig(found.config ?? {}, found.filepath);
  const { config, store } = await userSide(deps);
  const keys = getKeysNeedingTrust(validated as Record<string, unknown>, config).map((k) => k.key);
  const sha256 = hashConfig(found.bytes);
  const record = readTrustStore(store);
  record.files[getTrustKey(found.filepath)] = { sha256, trustedAt: (deps.now?.() ?? new Date()).toISOString() };
  writeTrustStore(store, record);
  return { file: found.filepath, sha256, keys, store };
}

/** Withdraws the approval of one file (which need not exist any more). */
export async function revokeProjectTrust(deps: TrustDeps, file?: string): Promise<RevokeResult> {
  const filepath = file === undefined ? (await findOrFail(deps)).filepath : path.resolve(deps.cwd, file);
  const { store } = await userSide(deps);
  const record = readTrustStore(store);
  const key = getTrustKey(filepath);
  if (!record.files[key]) return { file: filepath, revoked: false, store };
  delete record.files[key];
  writeTrustStore(store, record);
  return { file: filepath, revoked: true, store };
}

/** Every approved file, and whether its bytes are still the approved ones. */
export async function listTrustedConfigs(deps: TrustDeps): Promise<{ store: string; files: TrustedFile[] }> {
  const { store } = await userSide(deps);
  const files = Object.entries(readTrustStore(store).files).map(([file, record]): TrustedFile => {
    let status: TrustedFile['status'] = 'missing';
    if (existsSync(file)) {
      try {
        status = hashConfig(readConfigBytes(file)) === record.sha256 ? 'trusted' : 'changed';
      } catch {
        status = 'changed';
      }
    }
    return { file, sha256: record.sha256, trustedAt: record.trustedAt, status };
  });
  return { store, files };
}

async function userSide(deps: TrustDeps): Promise<{ config: Config; store: string }> {
  const { config } = await loadConfig(deps, [], { project: false });
  return { config, store: getTrustStorePath(getDataDir(config, deps.env, deps.homedir)) };
}

async function findOrFail(deps: TrustDeps): Promise<ProjectConfigFile> {
  const found = await findProjectConfig(deps.cwd, userConfigDir(deps));
  if (!found) {
    throw new UsageError(
      'NO_PROJECT_CONFIG',
      `No project config file in ${path.resolve(deps.cwd)} or the directories above it`,
      {
        hint: 'Give the file: `agentctl trust .agentctlrc.yaml` (agentctl trust --list shows approved files)',
      },
    );
  }
  return found;
}

async function readGiven(deps: TrustDeps, file: string): Promise<ProjectConfigFile> {
  const filepath = path.resolve(deps.cwd, file);
  if (!existsSync(filepath)) {
    throw new UsageError('TRUST_FILE_NOT_FOUND', `${filepath} does not exist`, {
      hint: 'Give the path of a project config file, e.g. `agentctl trust .agentctlrc.yaml`',
    });
  }
  const name = path.basename(filepath);
  const known = (PROJECT_CONFIG_FILES as readonly string[]).includes(name);
  // A JavaScript file gets its own error (never loaded, trusted or not) from the reader.
  if (!known && !/\.[cm]?[jt]s$/.test(name)) {
    throw new UsageError('NOT_A_PROJECT_CONFIG', `${filepath} is not a project config file agentctl reads`, {
      hint: `agentctl reads ${PROJECT_CONFIG_FILES.join(', ')}; rename the file or give one of those`,
    });
  }
  return readProjectConfigFile(filepath);
}
