import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { MASK_SECRET_FLAG, streamDeps } from './exec.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * The detach keys: `--detach-keys`, else config `detachKeys` (AGENTCTL_DETACH_KEYS), else the
 * default; checked here, so a bad value fails before the engine is asked for anything.
 */
export async function resolveDetachKeys(context: CommandContext, flag: string | undefined): Promise<string> {
  const { DEFAULT_DETACH_KEYS, parseDetachKeys } = await import('../io/terminal.js');
  if (flag !== undefined) {
    parseDetachKeys(flag);
    return flag;
  }
  const { config } = await context.config();
  if (config.detachKeys === undefined) return DEFAULT_DETACH_KEYS;
  try {
    parseDetachKeys(config.detachKeys);
  } catch (error) {
    const { UsageError } = await import('../shared/errors.js');
    throw new UsageError('INVALID_DETACH_KEYS', `${(error as Error).message} (config detachKeys)`, {
      hint: 'Fix `detachKeys` in your config or AGENTCTL_DETACH_KEYS: comma-separated keys such as "ctrl-\\" or "ctrl-p,ctrl-q"',
      cause: error,
    });
  }
  return config.detachKeys;
}

/**
 * Attaches to agent `name` and ends agentctl with its exit code; after the detach keys, says how
 * to come back and exits 0. `start` (without --detach) uses this too.
 */
export async function runAttach(
  context: CommandContext,
  options: { name: string; detachKeys?: string; secrets?: string[]; start?: () => Promise<void> },
): Promise<never> {
  const { attachAgent, ATTACH_DETACHED } = await import('../core/agents/attach-agent.js');
  const { PassThroughExit } = await import('./pass-through-exit.js');
  const detachKeys = await resolveDetachKeys(context, options.detachKeys);
  const code = await attachAgent(await streamDeps(context, options.secrets), {
    name: options.name,
    detachKeys,
    start: options.start,
  });
  if (code === ATTACH_DETACHED) {
    context.io.info(
      `\r\nDetached from ${options.name}; it keeps running. Re-attach with \`agentctl attach ${options.name}\`.`,
    );
    throw new PassThroughExit(0);
  }
  throw new PassThroughExit(code);
}

export function registerAttach(program: Command, context: CommandContext): void {
  program
    .command('attach')
    .description("Connect your terminal to a running agent; exits with the agent's exit code")
    .argument('<name>', 'the agent')
    .option(
      '--detach-keys <keys>',
      'key sequence that detaches and leaves the agent running (default: config `detachKeys`, else "ctrl-\\")',
    )
    .option(...MASK_SECRET_FLAG, collect)
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl attach my-agent                      # detach with ctrl-\\ (the agent keeps running)
  $ agentctl attach --detach-keys ctrl-p,ctrl-q my-agent
  $ echo "status" | agentctl attach my-agent      # stdin from a pipe

The default detach key is the single key ctrl-\\, not docker's ctrl-p,ctrl-q: a key that starts a
sequence is held back until the next one, and agents use ctrl-p. Set another in config
(\`detachKeys\`) or AGENTCTL_DETACH_KEYS. Piped input that ends does not end the attach: output
goes on until the agent exits (or Ctrl-C, which detaches). --json is refused (JSON_NOT_SUPPORTED,
exit 2): the output is the agent's terminal; \`logs --json\` and \`wait --json\` give it as JSON.`,
    )
    .action(async (name: string, flags: { detachKeys?: string; secret?: string[] }) => {
      // A bad --detach-keys value is reported as itself, with or without --json.
      await resolveDetachKeys(context, flags.detachKeys);
      if (context.globals.json) {
        const { UsageError } = await import('../shared/errors.js');
        throw new UsageError(
          'JSON_NOT_SUPPORTED',
          'attach connects your terminal to the agent until it exits: its output cannot be one JSON document',
          {
            hint: `Drop --json; as JSON: \`agentctl logs --json ${name}\` (its output), \`agentctl wait --json ${name}\` (its exit code), \`agentctl exec --json ${name} -- CMD\` (a command's result)`,
          },
        );
      }
      await runAttach(context, { name, detachKeys: flags.detachKeys, secrets: flags.secret ?? [] });
    });
}
