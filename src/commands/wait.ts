import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerWait(program: Command, context: CommandContext): void {
  program
    .command('wait')
    .description("Block until agents end; exit with the agent's exit code (the first non-zero of several)")
    .argument('<names...>', 'agents to wait for')
    .option('--timeout <duration>', 'give up after this long (exit 124), e.g. 30m')
    .addHelpText('after', '\nExamples:\n  $ agentctl wait fixer\n  $ agentctl wait one two --timeout 1h --json')
    .action(async (names: string[], flags: { timeout?: string }) => {
      const { waitAgents, combinedExitCode } = await import('../core/run/wait-agents.js');
      const { parseTimeoutFlag } = await import('../shared/duration.js');
      const { PassThroughExit } = await import('./pass-through-exit.js');
      const timeoutMs = flags.timeout === undefined ? undefined : parseTimeoutFlag('--timeout', flags.timeout);
      const ends = await waitAgents({ runtime: await context.runtime(), signal: context.signal }, { names, timeoutMs });
      const exitCode = combinedExitCode(ends);
      if (context.globals.json) {
        context.io.writeJson({ ok: exitCode === 0, exitCode, agents: ends });
      } else {
        for (const end of ends) context.io.out(`${end.name}\t${end.exitCode}`);
      }
      throw new PassThroughExit(exitCode);
    });
}
