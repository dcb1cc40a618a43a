import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerMerge(program: Command, context: CommandContext): void {
  program
    .command('merge')
    .description("Merge an agent's commits into the current branch of your checkout")
    .argument('<name>', 'the agent')
    .option('--rebase', "replay the agent's commits on your branch instead of merging (linear history)")
    .option('--no-ff', 'always make a merge commit')
    .addHelpText(
      'after',
      "\nExamples:\n  $ agentctl merge fixer\n  $ agentctl merge fixer --rebase\n\nRun it in your checkout. A checkout with uncommitted changes is refused; a conflict is left\nas git leaves it (exit 8). The agent's uncommitted files are not merged: `agentctl apply`\nbrings them. No git hook runs.",
    )
    .action(async (name: string, flags: { rebase?: boolean; ff?: boolean }) => {
      const { mergeAgent } = await import('../core/review/merge-agent.js');
      const { getReviewDeps } = await import('./review-deps.js');
      const deps = await getReviewDeps(context);
      const result = await mergeAgent(deps, name, {
        cwd: context.cwd,
        rebase: Boolean(flags.rebase),
        noFastForward: flags.ff === false,
        agentDirectories: deps.agentDirectories,
      });
      const { io } = context;
      if (context.globals.json) {
        io.writeJson({ ok: true, ...result });
        return;
      }
      const into = result.into ?? 'HEAD';
      if (result.method === 'up-to-date') io.out(`${into} already has every commit of agent ${result.agent}`);
      else
        io.out(
          `${result.method === 'rebase' ? 'Replayed' : 'Merged'} ${result.commits.length} commit(s) of agent ${result.agent} onto ${into}${result.method === 'fast-forward' ? ' (fast-forward)' : ''}`,
        );
      if (result.uncommitted.length > 0)
        io.warn(
          `agent ${result.agent} has ${result.uncommitted.length} uncommitted file(s), not merged: have it commit them, or bring everything with \`agentctl apply ${result.agent}\` instead`,
        );
    });
}
