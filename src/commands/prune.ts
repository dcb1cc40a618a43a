import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerPrune(program: Command, context: CommandContext): void {
  program
    .command('prune')
    .description("Remove stopped agents, their volumes and agentctl volumes whose agent is gone")
    .option('--dry-run', 'only show what would be removed')
    .option('-w, --workspace <dir>', 'only agents of this workspace')
    .addHelpText('after', '\nExamples:\n  $ agentctl prune --dry-run\n  $ agentctl prune --workspace .\n\nObjects without the io.agentctl.managed label are never touched.')
    .action(async (flags: { dryRun?: boolean; workspace?: string }) => {
      const { pruneAgents } = await import('../core/agents/prune.js');
      const plan = await pruneAgents({ runtime: await context.runtime(), cwd: context.cwd }, { dryRun: Boolean(flags.dryRun), workspace: flags.workspace });
      const { io } = context;
      if (context.globals.json) {
        io.writeJson({ ok: true, ...plan });
        return;
      }
      const verb = plan.dryRun ? 'would remove' : 'removed';
      for (const item of plan.containers) io.out(`${verb} agent ${item.name} (${item.state})`);
      for (const volume of plan.volumes) io.out(`${verb} volume ${volume}`);
      if (plan.containers.length === 0 && plan.volumes.length === 0) io.info('Nothing to prune.');
    });
}
