import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerApply(program: Command, context: CommandContext): void {
  program
    .command('apply')
    .description("Bring an agent's changes (committed or not) into your checkout as uncommitted edits")
    .argument('<name>', 'the agent')
    .option('--3way', 'on a conflict, merge and leave conflict markers (the changes are then staged)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ agentctl apply fixer\n  $ agentctl apply fixer --3way\n\nEverything the agent changed since it started, as edits you review and commit yourself;\nnothing is committed and no branch moves. Without --3way it is all or nothing.',
    )
    .action(async (name: string, flags: { '3way'?: boolean }) => {
      const { applyAgent } = await import('../core/review/apply-agent.js');
      const { getReviewDeps } = await import('./review-deps.js');
      const deps = await getReviewDeps(context);
      const result = await applyAgent(deps, name, {
        cwd: context.cwd,
        threeWay: Boolean(flags['3way']),
        agentDirectories: deps.agentDirectories,
      });
      const { io } = context;
      if (context.globals.json) {
        io.writeJson({ ok: true, ...result });
        return;
      }
      if (result.reason === 'same-checkout') {
        io.info(`Agent ${result.agent} works in this checkout: its changes are in your files already.`);
        return;
      }
      if (result.reason === 'no-changes') {
        io.info(`Agent ${result.agent} has changed nothing since it started.`);
        return;
      }
      for (const file of result.files) io.out(`${file.status} ${file.path}`);
      io.info(
        `Applied the changes of agent ${result.agent} to ${result.checkout} as uncommitted edits: review them with \`git diff\`, commit them with \`git commit\``,
      );
    });
}
