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
      '\nExamples:\n  $ agentctl shell my-agent\n  $ echo "ls /workspace" | agentctl shell my-agent',
    )
    .action(async (name: string, flags: { user?: string }) => {
      const { LOGIN_SHELL_COMMAND } = await import('../core/agents/exec-agent.js');
      // A TTY when there is a terminal; piped input still works (as a script for the shell).
      await runExec(context, {
        name,
        command: LOGIN_SHELL_COMMAND,
        tty: Boolean(context.io.streams.stdin.isTTY),
        interactive: true,
        user: flags.user,
        workingDir: undefined,
        env: context.env.TERM ? [`TERM=${context.env.TERM}`] : [],
      });
    });
}
