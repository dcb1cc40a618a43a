import { Option, type Command } from 'commander';
import type { CommandContext } from './context.js';
import { UsageError } from '../core/errors.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface RunFlags {
  workspace?: string;
  agent?: string;
  image?: string;
  env?: string[];
  envFile?: string[];
  secret?: string[];
  cpus?: string;
  memory?: string;
  pidsLimit?: string;
  network?: string;
  pull?: 'missing' | 'always' | 'never';
  useLocalImage?: boolean;
  worktree?: boolean;
  branch?: string;
  base?: string;
  timeout?: string;
  stopTimeout: string;
  rm?: boolean;
  resultFile?: string;
  task?: string;
  input?: string;
}

/** Operands before `--` are the agent name; those after it the command (commander mixes them). */
function splitOperands(command: Command, operands: string[]): { name?: string; args?: string[] } {
  const raw = (command.parent as (Command & { rawArgs?: string[] }) | null)?.rawArgs ?? [];
  const dash = raw.indexOf('--');
  const after = dash === -1 ? 0 : raw.length - dash - 1;
  const before = operands.slice(0, operands.length - after);
  if (before.length > 1) {
    throw new UsageError('USAGE_TOO_MANY_ARGUMENTS', `Too many arguments: ${before.slice(1).join(' ')}`, {
      hint: 'Put the command after --, e.g. `agentctl run NAME -- npm test`',
    });
  }
  return { name: before[0], args: after > 0 ? operands.slice(operands.length - after) : undefined };
}

function parseTimeout(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const ms = match ? Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's']! : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new UsageError('INVALID_TIMEOUT', `Invalid ${flag} "${value}"`, { hint: 'Give a duration such as 90s, 30m or 2h (a bare number is seconds)' });
  }
  return ms;
}

export function registerRun(program: Command, context: CommandContext): void {
  program
    .command('run')
    .description("Run an agent to its end without a terminal (CI): stream its output, exit with its exit code")
    .argument('[name]', 'agent name (default: the workspace directory plus a random suffix)')
    .argument('[command...]', 'after --: the command to run')
    .option('-w, --workspace <dir>', 'directory mounted at /workspace (default: current directory)')
    .option('--agent <profile>', 'agent profile from config (agents.<profile>)')
    .option('--image <ref>', 'run this image instead of the profile or pinned one')
    .option('--task <name>', 'run a task from config (tasks.<name>), handed over by its profile\'s taskCommand')
    .option('--input <file>', 'a file handed to the agent at /run/agentctl/input (AGENTCTL_INPUT_FILE, {input})')
    .option('--timeout <duration>', 'stop the agent after this long (exit 124), e.g. 30m')
    .option('--stop-timeout <seconds>', 'seconds between SIGTERM and SIGKILL when stopping it', '10')
    .option('--rm', 'remove the container and its home volume afterwards (a branch with new commits always stays)')
    .option('--result-file <file>', 'also write the result JSON to this file (always, even on failure)')
    .option('-e, --env <KEY=VALUE|KEY>', 'set an environment variable (repeatable)', collect)
    .option('--env-file <file>', 'read environment variables from a file (repeatable)', collect)
    .option('--secret <NAME|NAME=@file>', 'pass a secret as a file under /run/secrets (repeatable)', collect)
    .option('--cpus <n>', 'CPU limit (default 2)')
    .option('--memory <size>', 'memory limit such as 512m or 4g (default 4g)')
    .option('--pids-limit <n>', 'process limit (default 512)')
    .option('--network <name>', 'engine network to join')
    .addOption(new Option('--pull <policy>', 'when to pull the image').choices(['missing', 'always', 'never']))
    .option('--use-local-image', 'prefer the local development image')
    .option('--worktree', 'work in an own git worktree on branch agent/NAME')
    .option('--no-worktree', 'work in the checkout itself')
    .option('--branch <name>', 'branch of the worktree (default agent/NAME; implies --worktree)')
    .option('--base <ref>', 'commit the new branch starts at (default HEAD; implies --worktree)')
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl run --rm --image node:22 -- npm test
  $ agentctl run --worktree --rm --task fix-issue --input issue.md --result-file result.json
  $ agentctl run fixer --json --timeout 30m --agent claude --worktree -- claude -p "fix the build"`,
    )
    .action(async (_name: unknown, _command: unknown, _options: unknown, command: Command) => {
      const { executeRun } = await import('./run-action.js');
      const flags = command.opts<RunFlags>();
      const list = [command.processedArgs[0], ...(command.processedArgs[1] ?? [])].filter((item): item is string => typeof item === 'string');
      const { name, args } = splitOperands(command, list);
      const stopTimeout = flags.stopTimeout.trim();
      if (!/^\d+$/.test(stopTimeout)) {
        throw new UsageError('INVALID_TIMEOUT', `Invalid --stop-timeout "${flags.stopTimeout}"`, { hint: 'Give whole seconds, such as 10 (0 kills at once)' });
      }
      await executeRun(context, { flags, name, args, timeoutMs: parseTimeout(flags.timeout, '--timeout'), stopTimeoutSeconds: Number(stopTimeout) });
    });
}

export type { RunFlags };
