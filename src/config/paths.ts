import path from 'node:path';
import { ConfigError } from '../shared/errors.js';
import type { Config } from './schema.js';

/**
 * A directory from config or the environment, absolute. `~` and `~/…` are the home directory. A
 * relative path is refused, as the XDG base directory spec says of its own variables: resolved
 * against the current directory it would put agentctl's data (worktrees, the trust record) inside
 * whatever checkout the command runs in, a different place from every directory.
 */
function configuredDirectory(value: string, key: 'dataDir' | 'worktreeDir', homedir: string): string {
  if (value === '~') return homedir;
  if (value.startsWith('~/')) return path.join(homedir, value.slice(2));
  if (path.isAbsolute(value)) return path.resolve(value);
  const variable = key === 'dataDir' ? 'AGENTCTL_DATA_DIR' : 'AGENTCTL_WORKTREE_DIR';
  throw new ConfigError(
    'DIRECTORY_RELATIVE',
    `${variable} (config \`${key}\`) is a relative path (${JSON.stringify(value)}): it would land in whichever directory agentctl runs from`,
    {
      hint: `Give an absolute path, e.g. ${variable}=${path.join(homedir, '.local', 'share', 'agentctl')}${key === 'worktreeDir' ? '/worktrees' : ''} (or ~/…)`,
    },
  );
}

/** agentctl's own data directory: config `dataDir`, else $XDG_DATA_HOME/agentctl (a relative XDG_DATA_HOME is ignored, as the spec says). */
export function getDataDir(config: Pick<Config, 'dataDir'>, env: NodeJS.ProcessEnv, homedir: string): string {
  if (config.dataDir) return configuredDirectory(config.dataDir, 'dataDir', homedir);
  const base =
    env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(homedir, '.local', 'share');
  return path.join(base, 'agentctl');
}

/** Where agent worktrees are created: config `worktreeDir`, else <dataDir>/worktrees. */
export function getWorktreeDir(
  config: Pick<Config, 'dataDir' | 'worktreeDir'>,
  env: NodeJS.ProcessEnv,
  homedir: string,
): string {
  if (config.worktreeDir) return configuredDirectory(config.worktreeDir, 'worktreeDir', homedir);
  return path.join(getDataDir(config, env, homedir), 'worktrees');
}
