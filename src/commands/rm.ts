import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerRm(program: Command, context: CommandContext): void {
  program
    .command('rm')
    .description('Remove agents (refuses a running one without --force)')
    .argument('[names...]', 'agents to remove')
    .option('-a, --all', 'remove every agent')
    .option('-f, --force', 'also remove running agents (killed at once), and worktrees with uncommitted or unmerged work')
    .option('--keep-branch', "keep the branch of the agent's worktree (and its commits)")
    .option('--volumes', "also delete each agent's home volume (its login, history, settings)")
    .addHelpText('after', '\nExamples:\n  $ agentctl rm fixer\n  $ agentctl rm --all --force --volumes')
    .action(async (names: string[], flags: { all?: boolean; force?: boolean; volumes?: boolean; keepBranch?: boolean }) => {
      const { removeAgents } = await import('../core/agents/remove-agent.js');
      const { checkSelection } = await import('../core/agents/stop-agent.js');
      const selection = { names, all: Boolean(flags.all), force: Boolean(flags.force), volumes: Boolean(flags.volumes), keepBranch: Boolean(flags.keepBranch) };
      checkSelection(selection, 'rm');
      const processUser = typeof process.getuid === 'function' ? { uid: process.getuid(), gid: process.getgid!() } : undefined;
      const removed = await removeAgents({ runtime: await context.runtime(), worktrees: { env: context.env, processUser } }, selection);
      if (context.globals.json) {
        context.io.writeJson({ ok: true, removed });
        return;
      }
      for (const result of removed) {
        context.io.out(result.name);
        if (result.volume) context.io.info(`removed volume ${result.volume}`);
        if (result.worktree) {
          const branch = result.worktree.deletedBranch ? `and branch ${result.worktree.branch}` : `(kept branch ${result.worktree.branch})`;
          context.io.info(`removed worktree ${result.worktree.path} ${branch}`);
        }
      }
    });
}
