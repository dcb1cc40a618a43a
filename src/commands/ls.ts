import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerLs(program: Command, context: CommandContext): void {
  program
    .command('ls')
    .description('List agents: state, health, uptime, image, workspace, branch and limits')
    .option('-a, --all', 'include stopped agents')
    .addHelpText('after', '\nExamples:\n  $ agentctl ls\n  $ agentctl ls --all --json')
    .action(async (flags: { all?: boolean }) => {
      const { listAgents, formatUptime, formatBranch, formatState } = await import('../core/agents/list-agents.js');
      const { formatMemory } = await import('../core/agents/limits.js');
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
      const rows = [
        ['NAME', 'STATE', 'HEALTH', 'UPTIME', 'IMAGE', 'WORKSPACE', 'BRANCH', 'CPUS', 'MEMORY', 'PIDS'],
        ...agents.map((agent) => [
          agent.name,
          agent.reason ? `${agent.state} (${agent.reason.split(':')[0]})` : formatState(agent),
          agent.health ?? '-',
          formatUptime(agent.uptimeSeconds),
          agent.imageName,
          agent.workspace + (agent.readOnly ? ' (ro)' : ''),
          formatBranch(agent),
          // Limits the engine does not enforce are not shown as if they held (`ls --json`: enforced false).
          ...(agent.limits.enforced
            ? [
                agent.limits.cpus === null ? '-' : String(agent.limits.cpus),
                formatMemory(agent.limits.memory ?? 0),
                agent.limits.pidsLimit === null ? '-' : String(agent.limits.pidsLimit),
              ]
            : ['ignored', 'ignored', 'ignored']),
        ]),
      ];
      const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
      rows.forEach((row, index) => {
        const line = row
          .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
          .join('  ');
        io.out(index === 0 ? io.style.bold(line) : line);
      });
      for (const agent of agents) if (agent.reason) io.info(`${agent.name}: ${agent.reason}`);
      const ignored = agents.find((agent) => !agent.limits.enforced);
      if (ignored) io.info(`limits ignored: ${ignored.limits.ignoredBecause ?? 'the engine does not enforce them'}`);
    });
}
