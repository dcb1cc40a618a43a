import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerLs(program: Command, context: CommandContext): void {
  program
    .command('ls')
    .description('List agents: state, health, uptime, image, workspace, branch and limits')
    .option('-a, --all', 'include stopped agents')
    .option(
      '-f, --filter <KEY=VALUE>',
      'only agents that match: name, state, image, branch, label (repeatable; one key ORs, keys AND)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--format <format>', "fields (name,state) or a template ('table {{.Name}}\\t{{.State}}')")
    .addHelpText(
      'after',
      "\nExamples:\n  $ agentctl ls\n  $ agentctl ls --all --json\n  $ agentctl ls -a --filter state=exited --filter label=team=web\n  $ agentctl ls --format name,state,branch\n  $ agentctl ls --format '{{.Name}}\\t{{.Branch}}'",
    )
    .action(async (flags: { all?: boolean; filter?: string[]; format?: string }) => {
      const { parseFilters, matchesFilters } = await import('../core/agents/agent-filter.js');
      const filters = parseFilters(flags.filter ?? []);
      // Only for --format: its table module loads string-width, whose set-up (Unicode patterns, a
      // grapheme segmenter) costs more CPU than the rest of `ls --json`.
      const format =
        flags.format === undefined ? undefined : (await import('./ls-format.js')).compileFormat(flags.format);
      if (format && context.globals.json)
        throw new (await import('../shared/errors.js')).UsageError(
          'INVALID_FORMAT',
          '--format and --json exclude each other',
          {
            hint: 'Drop --format for the JSON document, or --json for formatted lines',
          },
        );
      const { listAgents } = await import('../core/agents/list-agents.js');
      const processUser =
        typeof process.getuid === 'function' ? { uid: process.getuid(), gid: process.getgid!() } : undefined;
      const worktrees = { env: context.env, processUser };
      const listed = await listAgents(
        { runtime: await context.runtime(), worktrees },
        {
          all: Boolean(flags.all) || Boolean(filters.state?.some((state) => state !== 'running')),
        },
      );
      const agents = listed.filter((agent) => matchesFilters(agent, filters));
      const { io } = context;
      if (context.globals.json) {
        io.writeJson({ ok: true, agents });
        return;
      }
      if (format) {
        for (const line of format(agents)) io.out(line);
        return;
      }
      if (agents.length === 0) {
        if (flags.filter?.length) return void io.info('No agents match the filters.');
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
