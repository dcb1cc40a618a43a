import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { runExec } from './exec.js';

export function registerShell(program: Command, context: CommandContext): void {
  program
    .command('shell')
    .description('Open a login shell in a running agent (bash when the image has it, else sh)')
    .argument('<name>', 'the agent')
    .option('-u, --user <user>', 'run as this user (name or UID[:GID])')
    .addHelpText(
      'after',
      '\nExamples:\n  $ agentctl shell my-agent\n  $ echo "ls /workspace" | agentctl shell my-agent\n  $ echo "ls /workspace" | agentctl shell --json my-agent   # {"ok","exitCode","stdout","stderr"}',
    )
    .action(async (name: string, flags: { user?: string }) => {
      const { LOGIN_SHELL_COMMAND } = await import('../core/agents/exec-agent.js');
      const terminal = Boolean(context.io.streams.stdin.isTTY);
      const json = context.globals.json;
      if (json && terminal) {
        const { UsageError } = await import('../shared/errors.js');
        throw new UsageError(
          'JSON_NOT_SUPPORTED',
          'An interactive shell cannot be one JSON document: with --json, shell reads a script from a pipe',
          {
            hint: `Pipe the commands in (\`echo "ls /workspace" | agentctl shell --json ${name}\`), or use \`agentctl exec --json ${name} -- CMD\``,
          },
        );
      }
      // A TTY when there is a terminal; piped input still works (as a script for the shell), and
      // with --json its output and exit code are one document, as with `exec --json`.
      await runExec(
        context,
        {
          name,
          command: LOGIN_SHELL_COMMAND,
          tty: terminal,
          interactive: true,
          user: flags.user,
          workingDir: undefined,
          env: context.env.TERM ? [`TERM=${context.env.TERM}`] : [],
        },
        json,
      );
    });
}
