import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerRm(program: Command, context: CommandContext): void {
  program
    .command('rm')
    .description('Remove agents (refuses a running one without --force)')
    .argument('[names...]', 'agents to remove')
    .option('-a, --all', 'remove every agent')
    .option('-f, --force', 'also remove running agents (killed at once)')
    .option('--volumes', "also delete each agent's home volume (its login, history, settings)")
    .addHelpText('after', '\nExamples:\n  $ agentctl rm fixer\n  $ agentctl rm --all --force --volumes')
    .action(async (names: string[], flags: { all?: boolean; force?: boolean; volumes?: boolean }) => {
      const { removeAgents } = await import('../core/agents/remove-agent.js');
      const { checkSelection } = await import('../core/agents/stop-agent.js');
      const selection = { names, all: Boolean(flags.all), force: Boolean(flags.force), volumes: Boolean(flags.volumes) };
      checkSelection(selection, 'rm');
      const removed = await removeAgents({ runtime: await context.runtime() }, selection);
      if (context.globals.json) {
        context.io.writeJson({ ok: true, removed });
        return;
      }
      for (const result of removed) {
        context.io.out(result.name);
        if (result.volume) context.io.info(`removed volume ${result.volume}`);
      }
    });
}
