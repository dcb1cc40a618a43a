import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerDiff(program: Command, context: CommandContext): void {
  program
    .command('diff')
    .description('Show what an agent changed since it started: its commits and its uncommitted files')
    .argument('<name>', 'the agent')
    .option('--stat', 'a summary of the changed files instead of the patch')
    .addHelpText(
      'after',
      "\nExamples:\n  $ agentctl diff fixer\n  $ agentctl diff fixer --stat\n  $ agentctl diff fixer --json    # files, commits and uncommitted files\n\nCompares the commit the agent started from with its files as they are now. Nothing of the\nagent's runs: its repository is only fetched from, and its files are read as data. On\nKubernetes the agent's Pod must run: git there packs its work, which is checked and stored\nunder refs/agentctl/NAME/ in your repository.",
    )
    .action(async (name: string, flags: { stat?: boolean }) => {
      const { diffAgent } = await import('../core/review/diff-agent.js');
      const { getReviewDeps } = await import('./review-deps.js');
      const { io } = context;
      const json = context.globals.json;
      const diff = await diffAgent(await getReviewDeps(context), name, {
        stat: Boolean(flags.stat),
        color: io.color,
        patch: !json,
      });
      if (json) {
        io.writeJson({ ok: true, ...diff });
        return;
      }
      if (diff.text) io.out(diff.text);
      const commits = diff.commits.length;
      const uncommitted = diff.uncommitted.length;
      if (diff.files.length === 0) io.info(`Agent ${diff.agent} has changed nothing since it started.`);
      else
        io.info(
          `${diff.files.length} file(s) changed on ${diff.branch}: ${commits} commit(s)${uncommitted > 0 ? `, ${uncommitted} file(s) not committed` : ''}`,
        );
      for (const skipped of diff.skipped)
        io.warn(`left out ${skipped}: a nested repository or submodule (agentctl never runs git inside one)`);
    });
}
