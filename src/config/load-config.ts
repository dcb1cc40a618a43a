import path from 'node:path';
import { ConfigError } from '../core/errors.js';
import { ENV_VARIABLES } from './env-vars.js';
import { mergeLayer, setPath, type Plain } from './merge.js';
import { DEFAULTS } from './defaults.js';
import { mayHaveConfigFile } from './config-files.js';
import type { Config } from './schema.js';

// The validator (zod, ~45 ms to load) loads only when a layer needs checking: commands run without a
// config file stay fast, and so do those given just the engine (AGENTCTL_HOST, --host, --runtime)
// when its value is plainly what the schema accepts; anything else goes to the schema and its messages.
let validator: typeof import('./validate.js').validateConfig | undefined;
async function validateConfig(value: unknown, origin: string): Promise<Config> {
  if (isPlainEngineLayer(value)) return value as Config;
  validator ??= (await import('./validate.js')).validateConfig;
  return validator(value, origin);
}

/** `{ host: non-empty string }` and/or `{ runtime: 'docker' | 'podman' }`, nothing else (schema.ts agrees). */
function isPlainEngineLayer(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length > 0 &&
    entries.every(([key, item]) => (key === 'host' && typeof item === 'string' && item.length > 0) || (key === 'runtime' && (item === 'docker' || item === 'podman')))
  );
}

export const MAX_CONFIG_BYTES = 1024 * 1024;

export const PROJECT_CONFIG_FILES = [
  'package.json',
  '.agentctlrc',
  '.agentctlrc.json',
  '.agentctlrc.yaml',
  '.agentctlrc.yml',
  'agentctl.config.js',
  'agentctl.config.mjs',
  'agentctl.config.cjs',
];

export const USER_CONFIG_FILES = ['config.json', 'config.yaml', 'config.yml', 'config.js', 'config.mjs', 'config.cjs'];

export interface ConfigDeps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  homedir: string;
}

export interface LoadedConfig {
  config: Config;
  /** Dotted key path → where its value came from ("default", a file path, "env NAME", "flag --x"). */
  sources: Map<string, string>;
  files: { user?: string; project?: string };
}

/** A config value given on the command line, with the flag that gave it. */
export interface FlagValue {
  flag: string;
  path: string[];
  value: unknown;
}

export function userConfigDir(deps: Pick<ConfigDeps, 'env' | 'homedir'>): string {
  const base = deps.env.XDG_CONFIG_HOME || path.join(deps.homedir, '.config');
  return path.join(base, 'agentctl');
}

/**
 * Loads the effective configuration: defaults < user config < project config < AGENTCTL_* env
 * vars < flags. Each layer is validated on its own so that an error names the file, variable or
 * flag it came from.
 */
export async function loadConfig(deps: ConfigDeps, flags: FlagValue[] = []): Promise<LoadedConfig> {
  const sources = new Map<string, string>();
  let merged = mergeLayer({}, DEFAULTS as unknown as Plain, 'default', sources);
  const files: LoadedConfig['files'] = {};

  // cosmiconfig (~10 ms to load) only when a config file may be there (config-files.ts).
  if (mayHaveConfigFile(userConfigDir(deps), USER_CONFIG_FILES, false) || mayHaveConfigFile(deps.cwd, PROJECT_CONFIG_FILES, true)) {
    const cosmiconfigModule = await loadCosmiconfig();
    const cosmiconfig = cosmiconfigModule.cosmiconfig;
    const loaders = await makeLoaders(cosmiconfigModule.defaultLoaders);

    const user = await searchFile(cosmiconfig, loaders, userConfigDir(deps), USER_CONFIG_FILES, 'none');
    if (user) {
      files.user = user.filepath;
      merged = mergeLayer(merged, await validateConfig(user.config, user.filepath) as Plain, user.filepath, sources);
    }
    const project = await searchFile(cosmiconfig, loaders, deps.cwd, PROJECT_CONFIG_FILES, 'project');
    if (project && project.filepath !== user?.filepath) {
      files.project = project.filepath;
      merged = mergeLayer(merged, await validateConfig(project.config, project.filepath) as Plain, project.filepath, sources);
    }
  }

  for (const variable of ENV_VARIABLES) {
    const raw = deps.env[variable.name];
    if (raw === undefined || raw === '') continue;
    const layer: Plain = {};
    setPath(layer, variable.path, parseEnvValue(raw, variable.type));
    const origin = `environment variable ${variable.name}`;
    merged = mergeLayer(merged, await validateConfig(layer, origin) as Plain, `env ${variable.name}`, sources);
  }

  for (const flag of flags) {
    if (flag.value === undefined) continue;
    const layer: Plain = {};
    setPath(layer, flag.path, flag.value);
    merged = mergeLayer(merged, await validateConfig(layer, `flag ${flag.flag}`) as Plain, `flag ${flag.flag}`, sources);
  }

  return { config: merged as Config, sources, files };
}

function parseEnvValue(raw: string, type: 'string' | 'number' | 'boolean'): unknown {
  if (type === 'number') return /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw;
  if (type === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    return raw;
  }
  return raw;
}

type Loader = (filepath: string, content: string) => unknown;

type CosmiconfigModule = typeof import('cosmiconfig');

// cosmiconfig is CommonJS: bundled, its named exports sit on `default`.
async function loadCosmiconfig(): Promise<CosmiconfigModule> {
  const loaded = (await import('cosmiconfig')) as CosmiconfigModule & { default?: CosmiconfigModule };
  return typeof (loaded as { cosmiconfig?: unknown }).cosmiconfig === "function" ? loaded : (loaded.default as CosmiconfigModule);
}

async function makeLoaders(defaultLoaders: CosmiconfigModule['defaultLoaders']): Promise<Record<string, Loader>> {
  const guard = (loader: Loader, kind: string): Loader => async (filepath, content) => {
    if (Buffer.byteLength(content) > MAX_CONFIG_BYTES) {
      throw new ConfigError('CONFIG_TOO_LARGE', `Config file ${filepath} is larger than 1 MiB`, {
        hint: `Check that ${filepath} is the config file you meant; agentctl config is a few lines`,
      });
    }
    try {
      return await loader(filepath, content);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new ConfigError('CONFIG_PARSE', `Cannot parse ${kind} config file ${filepath}: ${reason}`, {
        hint: `Fix the syntax of ${filepath} (or delete it); docs/configuration.md has examples`,
        cause: error,
      });
    }
  };
  const yaml: Loader = async (_filepath, content) => {
    // yaml is CommonJS: bundled, its named exports may sit on `default` (as with cosmiconfig).
    const loaded = (await import('yaml')) as typeof import('yaml') & { default?: typeof import('yaml') };
    const parse = typeof loaded.parse === 'function' ? loaded.parse : loaded.default!.parse;
    return parse(content, { prettyErrors: true }) as unknown;
  };
  const json: Loader = (_filepath, content) => (content.trim() === '' ? null : (JSON.parse(content) as unknown));
  return {
    '.json': guard(json, 'JSON'),
    '.yaml': guard(yaml, 'YAML'),
    '.yml': guard(yaml, 'YAML'),
    noExt: guard(yaml, 'YAML/JSON'),
    '.js': guard(defaultLoaders['.js'] as Loader, 'JavaScript'),
    '.mjs': guard(defaultLoaders['.mjs'] as Loader, 'JavaScript'),
    '.cjs': guard(defaultLoaders['.cjs'] as Loader, 'JavaScript'),
  };
}

async function searchFile(
  cosmiconfig: typeof import('cosmiconfig').cosmiconfig,
  loaders: Record<string, Loader>,
  from: string,
  searchPlaces: string[],
  searchStrategy: 'none' | 'project',
): Promise<{ filepath: string; config: unknown } | undefined> {
  const explorer = cosmiconfig('agentctl', {
    searchPlaces,
    searchStrategy,
    loaders: loaders as never,
    packageProp: 'agentctl',
    cache: false,
  });
  try {
    const found = await explorer.search(from);
    return found && !found.isEmpty ? { filepath: found.filepath, config: found.config } : found ? { filepath: found.filepath, config: {} } : undefined;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const filepath = (error as { filepath?: string }).filepath ?? from;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError('CONFIG_PARSE', `Cannot read config file ${filepath}: ${reason}`, {
      hint: `Fix the syntax of ${filepath} (or delete it); docs/configuration.md has examples`,
      cause: error,
    });
  }
}
