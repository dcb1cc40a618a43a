import path from 'node:path';
import { ConfigError } from '../shared/errors.js';
import { ENV_VARIABLES } from './env-vars.js';
import { mergeLayer, setPath, type Plain } from './merge.js';
import { BUILTIN_LAYER, DEFAULTS } from './defaults.js';
import { mayHaveConfigFile } from './config-files.js';
import { findProjectConfig, tooLarge, MAX_CONFIG_BYTES } from './project-config.js';
import { getKeysNeedingTrust } from './project-key-rules.js';
import { getDataDir } from './paths.js';
import type { Config } from './schema.js';
import type { ValidationCache } from './validation-cache.js';

// The validator (zod, ~45 ms to load) loads only when a layer needs checking: commands run without a
// config file stay fast, and so do those given just the engine (AGENTCTL_HOST, --host, --runtime)
// when its value is plainly what the schema accepts; anything else goes to the schema and its messages.
// A layer validated before (validation-cache.ts) is not validated again.
let validator: typeof import('./validate.js').validateConfig | undefined;
async function validateConfig(value: unknown, origin: string, cache?: ValidationCache): Promise<Config> {
  if (isPlainEngineLayer(value)) return value as Config;
  const cached = await cache?.get(value);
  if (cached) return cached;
  validator ??= (await import('./validate.js')).validateConfig;
  const config = validator(value, origin);
  await cache?.set(value, config);
  return config;
}

/** `{ host: non-empty string }` and/or `{ runtime: 'docker' | 'podman' }`, nothing else (schema.ts agrees). */
function isPlainEngineLayer(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length > 0 &&
    entries.every(
      ([key, item]) =>
        (key === 'host' && typeof item === 'string' && item.length > 0) ||
        (key === 'runtime' && (item === 'docker' || item === 'podman')),
    )
  );
}

export { MAX_CONFIG_BYTES, PROJECT_CONFIG_FILES, PROJECT_JS_CONFIG_FILES } from './project-config.js';

export const USER_CONFIG_FILES = ['config.json', 'config.yaml', 'config.yml', 'config.js', 'config.mjs', 'config.cjs'];

export interface ConfigDeps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  homedir: string;
  /** Layers validated by earlier commands (none: every layer is validated). */
  validationCache?: ValidationCache;
}

export interface LoadedConfig {
  config: Config;
  /** Dotted key path → where its value came from ("default", a file path, "env NAME", "flag --x"). */
  sources: Map<string, string>;
  files: { user?: string; project?: string };
  /** Whether the project config needed the user's approval (`agentctl trust`) and had it. */
  projectTrust?: 'not-needed' | 'trusted';
}

export interface LoadOptions {
  /** false: leave the project config out (what `agentctl trust` uses to find the data directory). */
  project?: boolean;
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
 * Loads the effective configuration: defaults and built-in agent profiles < user config < project config < AGENTCTL_* env
 * vars < flags. Each layer is validated on its own so that an error names the file, variable or
 * flag it came from. The project config is data only (never JavaScript), and a project config that
 * sets a key able to loosen confinement applies only if the user trusted those exact bytes
 * (project-key-rules.ts, project-trust.ts); the trust record's directory comes from every layer but
 * the project's.
 */
export async function loadConfig(
  deps: ConfigDeps,
  flags: FlagValue[] = [],
  options: LoadOptions = {},
): Promise<LoadedConfig> {
  const sources = new Map<string, string>();
  const files: LoadedConfig['files'] = {};
  const userDir = userConfigDir(deps);
  const layers: { layer: Plain; source: string }[] = [];

  // cosmiconfig (~10 ms to load) only when a user config file may be there (config-files.ts); it
  // is the one place JavaScript config may come from: the user's own config directory.
  if (mayHaveConfigFile(userDir, USER_CONFIG_FILES, false)) {
    const cosmiconfigModule = await loadCosmiconfig();
    const loaders = await makeLoaders(cosmiconfigModule.defaultLoaders);
    const user = await searchFile(cosmiconfigModule.cosmiconfig, loaders, userDir, USER_CONFIG_FILES, 'none');
    if (user) {
      files.user = user.filepath;
      layers.push({
        layer: (await validateConfig(user.config, user.filepath, deps.validationCache)) as Plain,
        source: user.filepath,
      });
    }
  }
  const userLayers = layers.length;

  const project = options.project === false ? undefined : await findProjectConfig(deps.cwd, userDir);
  let projectLayer: Plain | undefined;
  if (project) {
    files.project = project.filepath;
    projectLayer = (await validateConfig(project.config, project.filepath, deps.validationCache)) as Plain;
  }

  for (const variable of ENV_VARIABLES) {
    const raw = deps.env[variable.name];
    if (raw === undefined || raw === '') continue;
    const layer: Plain = {};
    setPath(layer, variable.path, parseEnvValue(raw, variable.type));
    const origin = `environment variable ${variable.name}`;
    layers.push({
      layer: (await validateConfig(layer, origin, deps.validationCache)) as Plain,
      source: `env ${variable.name}`,
    });
  }

  for (const flag of flags) {
    if (flag.value === undefined) continue;
    const layer: Plain = {};
    setPath(layer, flag.path, flag.value);
    layers.push({ layer: (await validateConfig(layer, `flag ${flag.flag}`)) as Plain, source: `flag ${flag.flag}` });
  }

  let projectTrust: LoadedConfig['projectTrust'];
  if (project && projectLayer) {
    const ignored = new Map<string, string>();
    const base = merge(layers.slice(0, userLayers), ignored);
    const keys = getKeysNeedingTrust(projectLayer, base as Config);
    if (keys.length > 0) {
      const withoutProject = merge(layers, ignored) as Config;
      const { assertProjectTrusted, getTrustStorePath } = await import('./project-trust.js');
      projectTrust = assertProjectTrusted(
        project,
        keys,
        getTrustStorePath(getDataDir(withoutProject, deps.env, deps.homedir)),
      );
    } else {
      projectTrust = 'not-needed';
    }
    layers.splice(userLayers, 0, { layer: projectLayer, source: project.filepath });
  }

  return { config: merge(layers, sources) as Config, sources, files, ...(projectTrust ? { projectTrust } : {}) };
}

function merge(layers: { layer: Plain; source: string }[], sources: Map<string, string>): Plain {
  let merged = mergeLayer({}, DEFAULTS as unknown as Plain, 'default', sources);
  merged = mergeLayer(merged, structuredClone(BUILTIN_LAYER) as Plain, 'built-in', sources);
  for (const { layer, source } of layers) merged = mergeLayer(merged, layer, source, sources);
  return merged;
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
  return typeof (loaded as { cosmiconfig?: unknown }).cosmiconfig === 'function'
    ? loaded
    : (loaded.default as CosmiconfigModule);
}

async function makeLoaders(defaultLoaders: CosmiconfigModule['defaultLoaders']): Promise<Record<string, Loader>> {
  const guard =
    (loader: Loader, kind: string): Loader =>
    async (filepath, content) => {
      if (Buffer.byteLength(content) > MAX_CONFIG_BYTES) throw tooLarge(filepath);
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
    return found && !found.isEmpty
      ? { filepath: found.filepath, config: found.config }
      : found
        ? { filepath: found.filepath, config: {} }
        : undefined;
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
