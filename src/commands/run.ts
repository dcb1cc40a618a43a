import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import type { RunFlags } from './run-action.js';
import { addAgentOptions, splitOperands } from './agent-options.js';
import { parseStopTimeoutFlag, parseTimeoutFlag } from '../shared/duration.js';

export function registerRun(program: Command, context: CommandContext): void {
  const run = program
    .command('run')
    .description('Run an agent to its end without a terminal (CI): stream its output, exit with its exit code')
    .argument('[name]', 'agent name (default: the workspace directory plus a random suffix)')
    .argument('[command...]', 'after --: the command to run')
    .option('--task <name>', "run a task from config (tasks.<name>), handed over by its profile's taskCommand")
    .option('--input <file>', 'a file handed to the agent at /run/agentctl/input (AGENTCTL_INPUT_FILE, {input})')
    .option('--timeout <duration>', 'stop the agent after this long (exit 124), e.g. 30m')
    .option('--stop-timeout <duration>', 'how long between SIGTERM and SIGKILL when stopping it, e.g. 30s', '10')
    .option('--rm', 'remove the container and its home volume afterwards (a branch with new commits always stays)')
    .option('--result-file <file>', 'also write the result JSON to this file (always, even on failure)')
    .option(
      '--require-changes',
      'fail (exit 13) when the agent exits 0 having changed nothing (no commit, no uncommitted file)',
    );
  addAgentOptions(run);
  run
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl run --rm --image node:22 -- npm test
  $ agentctl run --worktree --rm --task fix-issue --input issue.md --result-file result.json
  $ agentctl run fixer --json --timeout 30m --agent claude --worktree -- claude -p "fix the build"
  $ agentctl run --worktree --require-changes --task fix-issue --input issue.md --json`,
    )
    .action(async (_name: unknown, _command: unknown, _options: unknown, command: Command) => {
      const { executeRun } = await import('./run-action.js');
      const flags = command.opts<RunFlags>();
      const { name, args } = splitOperands(command, 'agentctl run NAME -- npm test');
      const stopTimeoutSeconds = parseStopTimeoutFlag('--stop-timeout', flags.stopTimeout);
      await executeRun(context, {
        flags,
        name,
        args,
        timeoutMs: flags.timeout === undefined ? undefined : parseTimeoutFlag('--timeout', flags.timeout),
        stopTimeoutSeconds,
      });
    });
}
