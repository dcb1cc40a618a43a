import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerStop(program: Command, context: CommandContext): void {
  program
    .command('stop')
    .description('Stop agents: SIGTERM, then SIGKILL after the timeout')
    .argument('[names...]', 'agents to stop')
    .option('-a, --all', 'stop every running agent')
    .option('-t, --timeout <duration>', 'how long to wait before killing, e.g. 30s or 2m (0 kills at once)', '10')
    .addHelpText('after', '\nExamples:\n  $ agentctl stop fixer\n  $ agentctl stop --all --timeout 0')
    .action(async (names: string[], flags: { all?: boolean; timeout?: string }) => {
      const { stopAgents, parseStopTimeout } = await import('../core/agents/stop-agent.js');
      const selection = { names, all: Boolean(flags.all), timeoutSeconds: parseStopTimeout(flags.timeout) };
      const { checkSelection } = await import('../core/agents/stop-agent.js');
      checkSelection(selection, 'stop');
      const results = await stopAgents({ runtime: await context.runtime() }, selection);
      if (context.globals.json) {
        context.io.writeJson({ ok: true, stopped: results });
        return;
      }
      for (const result of results) {
        context.io.out(result.name);
        if (!result.stopped) context.io.info(`${result.name} was not running`);
      }
    });
}
