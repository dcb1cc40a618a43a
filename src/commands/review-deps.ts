import type { ReviewDeps } from '../core/review/agent-work.js';
import type { CommandContext } from './context.js';

/** What diff, merge and apply get: the engine, git as the repository's owner, agentctl's worktree directory. */
export async function getReviewDeps(context: CommandContext): Promise<ReviewDeps & { agentDirectories: string[] }> {
  const { getWorktreeDir } = await import('../config/paths.js');
  const { config } = await context.config();
  const processUser =
    typeof process.getuid === 'function' ? { uid: process.getuid(), gid: process.getgid!() } : undefined;
  return {
    runtime: await context.runtime(),
    worktrees: { env: context.env, ...(processUser ? { processUser } : {}) },
    agentDirectories: [getWorktreeDir(config, context.env, context.homedir)],
  };
}
