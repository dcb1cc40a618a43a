import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../shared/errors.js';

export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Project config files, in the order each directory is searched. Data only: a project directory is
 * one an agent may write, so nothing in it is ever run (docs/security.md).
 */
export const PROJECT_CONFIG_FILES = [
  'package.json',
  '.agentctlrc',
  '.agentctlrc.json',
  '.agentctlrc.yaml',
  '.agentctlrc.yml',
] as const;

/** JavaScript config names agentctl once loaded from a project. Found, they are refused, never run. */
export const PROJECT_JS_CONFIG_FILES = ['agentctl.config.js', 'agentctl.config.mjs', 'agentctl.config.cjs'] as const;

export interface ProjectConfigFile {
  filepath: string;
  /** The exact bytes read: hashed for trust and parsed, so that what is approved is what applies. */
  bytes: Buffer;
  config: unknown;
}

/**
 * Finds the project config from `cwd` upwards: in each directory the first of
 * PROJECT_CONFIG_FILES that exists (a package.json only with an "agentctl" key); the search ends at
 * the first directory holding a package.json (as cosmiconfig's project search did). A JavaScript
 * config file on the way is an error: it is never executed.
 */
export async function findProjectConfig(cwd: string, userConfigDir?: string): Promise<ProjectConfigFile | undefined> {
  let dir = path.resolve(cwd);
  for (;;) {
    for (const name of PROJECT_JS_CONFIG_FILES) {
      const file = path.join(dir, name);
      if (exists(file)) throw javaScriptRefused(file, userConfigDir);
    }
    let stop = false;
    for (const name of PROJECT_CONFIG_FILES) {
      const file = path.join(dir, name);
      if (!exists(file)) continue;
      const found = await readProjectConfigFile(file);
      if (name === 'package.json') {
        stop = true;
        if (found.config === undefined || found.config === null) continue;
      }
      return found;
    }
    if (stop || exists(path.join(dir, 'package.yaml'))) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Reads and parses one project config file (for package.json: its "agentctl" value, or undefined). */
export async function readProjectConfigFile(filepath: string): Promise<ProjectConfigFile> {
  const name = path.basename(filepath);
  if ((PROJECT_JS_CONFIG_FILES as readonly string[]).includes(name) || /\.[cm]?[jt]s$/.test(name))
    throw javaScriptRefused(filepath);
  const bytes = readConfigBytes(filepath);
  const text = bytes.toString('utf8');
  if (name === 'package.json') {
    const json = parseText(filepath, text, 'JSON', (content) => JSON.parse(content) as unknown);
    const value =
      json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>).agentctl : undefined;
    return { filepath, bytes, config: value };
  }
  if (text.trim() === '') return { filepath, bytes, config: {} };
  if (name.endsWith('.json'))
    return { filepath, bytes, config: parseText(filepath, text, 'JSON', (content) => JSON.parse(content) as unknown) };
  const parse = await loadYamlParse();
  const kind = name.endsWith('.yaml') || name.endsWith('.yml') ? 'YAML' : 'YAML/JSON';
  return {
    filepath,
    bytes,
    config: parseText(filepath, text, kind, (content) => parse(content, { prettyErrors: true }) as unknown),
  };
}

/**
 * Reads a config file from one open file descriptor, refusing anything but a regular file (a FIFO
 * planted as `.agentctlrc` would otherwise block every command) and anything over 1 MiB.
 */
export function readConfigBytes(filepath: string): Buffer {
  let fd: number;
  try {
    fd = openSync(filepath, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw new ConfigError('CONFIG_PARSE', `Cannot read config file ${filepath}: ${reasonOf(error)}`, {
      hint: `Check the permissions of ${filepath} (or delete it); docs/configuration.md has examples`,
      cause: error,
    });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new ConfigError('CONFIG_NOT_A_FILE', `Config file ${filepath} is not a regular file`, {
        hint: `Remove ${filepath}: agentctl reads config only from regular files`,
      });
    }
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_CONFIG_BYTES) + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > MAX_CONFIG_BYTES) throw tooLarge(filepath);
      if (length === buffer.length) break;
    }
    if (length > MAX_CONFIG_BYTES || stat.size > MAX_CONFIG_BYTES) throw tooLarge(filepath);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

export function tooLarge(filepath: string): ConfigError {
  return new ConfigError('CONFIG_TOO_LARGE', `Config file ${filepath} is larger than 1 MiB`, {
    hint: `Check that ${filepath} is the config file you meant; agentctl config is a few lines`,
  });
}

function javaScriptRefused(filepath: string, userConfigDir?: string): ConfigError {
  const userFile = userConfigDir ? path.join(userConfigDir, 'config.cjs') : 'config.cjs in your user config directory';
  return new ConfigError(
    'PROJECT_CONFIG_JS',
    `Refusing JavaScript project config ${filepath}: agentctl never runs code from a project`,
    {
      hint: `If you wrote it, convert it to .agentctlrc.yaml (or move it to ${userFile}); if not, delete it`,
      details: { file: filepath },
    },
  );
}

function parseText(filepath: string, text: string, kind: string, parse: (content: string) => unknown): unknown {
  try {
    return parse(text);
  } catch (error) {
    throw new ConfigError('CONFIG_PARSE', `Cannot parse ${kind} config file ${filepath}: ${reasonOf(error)}`, {
      hint: `Fix the syntax of ${filepath} (or delete it); docs/configuration.md has examples`,
      cause: error,
    });
  }
}

type YamlParse = typeof import('yaml').parse;
let yamlParse: YamlParse | undefined;
async function loadYamlParse(): Promise<YamlParse> {
  // yaml is CommonJS: bundled, its named exports may sit on `default`.
  const loaded = (await import('yaml')) as typeof import('yaml') & { default?: typeof import('yaml') };
  yamlParse ??= typeof loaded.parse === 'function' ? loaded.parse : loaded.default!.parse;
  return yamlParse;
}

function exists(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false }) !== undefined;
  } catch {
    // Present but not stat-able (permissions): reading it gives the clear error.
    return true;
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
