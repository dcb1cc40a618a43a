import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerLs(program: Command, context: CommandContext): void {
  program
    .command('ls')
    .description('List agents: state, health, uptime, image, workspace, branch and limits')
    .option('-a, --all', 'include stopped agents')
    .addHelpText('after', '\nExamples:\n  $ agentctl ls\n  $ agentctl ls --all --json')
    .action(async (flags: { all?: boolean }) => {
      const { listAgents } = await import('../core/agents/list-agents.js');
      const processUser =
        typeof process.getuid === 'function' ? { uid: process.getuid(), gid: process.getgid!() } : undefined;
      const worktrees = { env: context.env, processUser };
      const agents = await listAgents({ runtime: await context.runtime(), worktrees }, { all: Boolean(flags.all) });
      const { io } = context;
      if (context.globals.json) {
        io.writeJson({ ok: true, agents });
        return;
      }
      if (agents.length === 0) {
        io.info(
          flags.all
            ? 'No agents. Start one with `agentctl start`.'
            : 'No running agents (`agentctl ls --all` shows stopped ones).',
        );
        return;
      }
      const { agentTable } = await import('./ls-table.js');
      for (const line of agentTable(agents, io.style)) io.out(line);
      for (const agent of agents) if (agent.reason) io.info(`${agent.name}: ${agent.reason}`);
      const ignored = agents.find((agent) => !agent.limits.enforced);
      if (ignored) io.info(`limits ignored: ${ignored.limits.ignoredBecause ?? 'the engine does not enforce them'}`);
    });
}
