import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { streamDeps } from './exec.js';

/**
 * Attaches to agent `name` and ends agentctl with its exit code; after the detach keys, says how
 * to come back and exits 0. `start` (without --detach) uses this too.
 */
export async function runAttach(context: CommandContext, options: { name: string; detachKeys?: string; start?: () => Promise<void> }): Promise<never> {
  const { attachAgent, ATTACH_DETACHED } = await import('../core/agents/attach-agent.js');
  const { PassThroughExit } = await import('../cli.js');
  const code = await attachAgent(await streamDeps(context), options);
  if (code === ATTACH_DETACHED) {
    context.io.info(`\r\nDetached from ${options.name}; it keeps running. Re-attach with \`agentctl attach ${options.name}\`.`);
    throw new PassThroughExit(0);
  }
  throw new PassThroughExit(code);
}

export function registerAttach(program: Command, context: CommandContext): void {
  program
    .command('attach')
    .description("Connect your terminal to a running agent; exits with the agent's exit code")
    .argument('<name>', 'the agent')
    .option('--detach-keys <keys>', 'key sequence that detaches and leaves the agent running', 'ctrl-p,ctrl-q')
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl attach my-agent                      # detach with ctrl-p ctrl-q
  $ agentctl attach --detach-keys ctrl-a,d my-agent
  $ echo "status" | agentctl attach my-agent      # stdin from a pipe`,
    )
    .action(async (name: string, flags: { detachKeys: string }) => {
      const { parseDetachKeys } = await import('../io/terminal.js');
      parseDetachKeys(flags.detachKeys);
      await runAttach(context, { name, detachKeys: flags.detachKeys });
    });
}
