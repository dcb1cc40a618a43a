import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerInspect(program: Command, context: CommandContext): void {
  program
    .command('inspect')
    .description(
      'Show an agent as agentctl sees it: state, image and digest, workspace, branch, limits, mounts, labels',
    )
    .argument('<name>', 'the agent')
    .addHelpText(
      'after',
      '\nExamples:\n  $ agentctl inspect fixer\n  $ agentctl inspect fixer --json | jq .exitCode\n\nSecrets and environment variables are listed by name only: their values are never shown.',
    )
    .action(async (name: string) => {
      const { inspectAgent } = await import('../core/agents/inspect-agent.js');
      const agent = await inspectAgent({ runtime: await context.runtime() }, name);
      const { io } = context;
      if (context.globals.json) {
        io.writeJson({ ok: true, agent });
        return;
      }
      const { inspectionLines } = await import('./inspect-view.js');
      for (const line of inspectionLines(agent, io.style)) io.out(line);
    });
}
