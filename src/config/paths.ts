import path from 'node:path';
import type { Config } from './schema.js';

/** agentctl's own data directory: config `dataDir`, else $XDG_DATA_HOME/agentctl. */
export function getDataDir(config: Pick<Config, 'dataDir'>, env: NodeJS.ProcessEnv, homedir: string): string {
  if (config.dataDir) return path.resolve(config.dataDir);
  const base = env.XDG_DATA_HOME || path.join(homedir, '.local', 'share');
  return path.join(base, 'agentctl');
}

/** Where agent worktrees are created: config `worktreeDir`, else <dataDir>/worktrees. */
export function getWorktreeDir(config: Pick<Config, 'dataDir' | 'worktreeDir'>, env: NodeJS.ProcessEnv, homedir: string): string {
  if (config.worktreeDir) return path.resolve(config.worktreeDir);
  return path.join(getDataDir(config, env, homedir), 'worktrees');
}
