import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import type { ExecAgentOptions, ExecResult, StreamDeps } from '../core/agents/exec-agent.js';
import type { AgentContainerInfo } from '../core/agents/agent-lookup.js';
import { Writable } from 'node:stream';
import { UsageError } from '../shared/errors.js';

interface ExecFlags {
  tty?: boolean;
  interactive?: boolean;
  user?: string;
  workdir?: string;
  env?: string[];
  secret?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `-e K=V` as given; `-e K` takes K from agentctl's own environment (skipped when unset), as docker does. */
export function resolveExecEnv(entries: string[], env: NodeJS.ProcessEnv): string[] {
  const resolved: string[] = [];
  for (const entry of entries) {
    const key = entry.includes('=') ? entry.slice(0, entry.indexOf('=')) : entry;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new UsageError('INVALID_ENV', `Invalid environment variable "${entry}"`, {
        hint: 'Use -e NAME=value or -e NAME (taken from your environment)',
      });
    }
    if (entry.includes('=')) resolved.push(entry);
    else if (env[key] !== undefined) resolved.push(`${key}=${env[key]}`);
  }
  return resolved;
}

/**
 * Registers the secret values `logs`, `exec` and `attach` can know with the output masker: those of
 * `--secret` (as start reads them), and returns the function that adds, per agent, the values of
 * its secret names and the config's that are set in the environment now (stream-secrets.ts).
 */
export async function registerStreamSecrets(
  context: CommandContext,
  secretFlags: string[],
): Promise<(agents: AgentContainerInfo[]) => void> {
  const { io, env } = context;
  const register = (value: string) => io.secrets.add(value);
  const { resolveSecrets } = await import('../core/agents/secrets.js');
  await resolveSecrets(secretFlags, [], env, register);
  const { getKnownSecretNames, registerKnownSecrets } = await import('../core/agents/stream-secrets.js');
  const { config } = await context.config();
  return (agents) => registerKnownSecrets(getKnownSecretNames(agents, config), env, register);
}

/** Builds the deps of an attach/exec session from the command context. */
export async function streamDeps(context: CommandContext, secretFlags: string[] = []): Promise<StreamDeps> {
  const { io } = context;
  const registerAgents = await registerStreamSecrets(context, secretFlags);
  return {
    runtime: await context.runtime(),
    streams: io.streams,
    signal: context.signal,
    secrets: io.secrets,
    registerAgentSecrets: (agent) => registerAgents([agent]),
  };
}

/** `--secret` of logs, exec and attach: values to mask besides those agentctl finds itself. */
export const MASK_SECRET_FLAG = [
  '--secret <NAME|NAME=@FILE>',
  'also mask the value of this variable or file in the output (repeatable)',
] as const;

/** A stream that keeps what is written to it (the command's output, for `exec --json`). */
function collector(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * Runs the exec and ends agentctl with the command's exit code (or a clear message when it could not
 * start). With `json`, the command's output is collected and printed in the one JSON document
 * (`ok` is whether it exited 0, as `wait --json` says), instead of streamed beside it.
 */
export async function runExec(
  context: CommandContext,
  options: ExecAgentOptions,
  json = false,
  secretFlags: string[] = [],
): Promise<never> {
  const { execAgent } = await import('../core/agents/exec-agent.js');
  const { PassThroughExit } = await import('./pass-through-exit.js');
  const deps = await streamDeps(context, secretFlags);
  const output = json ? { stdout: collector(), stderr: collector() } : undefined;
  if (output) deps.streams = { stdin: deps.streams.stdin, stdout: output.stdout.stream, stderr: output.stderr.stream };
  const result: ExecResult = await execAgent(deps, options);
  const { io } = context;
  if (result.failure) {
    if (context.globals.json) {
      io.writeJson({ ok: false, error: result.failure, exitCode: result.exitCode });
    } else {
      io.errRaw(
        `${io.style.red('error:')} ${result.failure.message}\n${io.style.dim('hint:')} ${result.failure.hint}\n`,
      );
    }
  } else if (output) {
    io.writeJson({
      ok: result.exitCode === 0,
      exitCode: result.exitCode,
      stdout: output.stdout.text(),
      stderr: output.stderr.text(),
    });
  }
  throw new PassThroughExit(result.exitCode);
}

export function registerExec(program: Command, context: CommandContext): void {
  program
    .command('exec')
    .description("Run a command in a running agent; exits with the command's exit code")
    .argument('<name>', 'the agent')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('-t, --tty', 'allocate a pseudo-terminal')
    .option('-i, --interactive', 'send stdin to the command')
    .option('-u, --user <user>', 'run as this user (name or UID[:GID])')
    .option('-w, --workdir <dir>', 'working directory inside the agent')
    .option(
      '-e, --env <KEY=VALUE>',
      'set an environment variable (repeatable; KEY alone takes it from your environment)',
      collect,
    )
    .option(...MASK_SECRET_FLAG, collect)
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl exec my-agent -- git status
  $ agentctl exec -it my-agent -- bash
  $ echo data | agentctl exec -i my-agent -- sh -c 'cat > /tmp/in.txt'

A command that is not found exits with 127, one that cannot be executed with 126 (as in a shell);
a -w directory that is missing or not a directory exits with 126, saying so.
With --json the command's output is collected and printed in one document:
{"ok","exitCode","stdout","stderr"} (with -t, both streams arrive as stdout).`,
    )
    .action(async (name: string, command: string[], flags: ExecFlags) => {
      await runExec(
        context,
        {
          name,
          command,
          tty: Boolean(flags.tty),
          interactive: Boolean(flags.interactive),
          user: flags.user,
          workingDir: flags.workdir,
          env: resolveExecEnv(flags.env ?? [], context.env),
        },
        context.globals.json,
        flags.secret ?? [],
      );
    });
}
