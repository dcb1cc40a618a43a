import { Command, CommanderError, Option } from 'commander';
import { BUILD_INFO } from './shared/build-info.js';
import { CancelledError, TerminatedError, UsageError, toAgentctlError, type AgentctlError } from './shared/errors.js';
import { exitCodeFor } from './shared/exit-codes.js';
import { Io, type Streams } from './io/io.js';
import { CommandContext } from './commands/context.js';
import { COMMANDS } from './commands/index.js';
import { PassThroughExit } from './commands/pass-through-exit.js';

export interface MainDeps {
  streams?: Streams;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Installs SIGINT/SIGTERM handlers (off in tests that call main directly). */
  handleSignals?: boolean;
}

function preScan(argv: string[]): { json: boolean; quiet: boolean; verbose: boolean; color: boolean } {
  const before = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  return {
    json: before.includes('--json'),
    quiet: before.includes('--quiet') || before.includes('-q'),
    verbose: before.includes('--verbose'),
    color: !before.includes('--no-color'),
  };
}

/** Where commander's help and version text go: stdout, or (with --json) kept for one JSON document. */
export interface HelpOutput {
  capture: boolean;
  text: string;
  /** The command whose help was shown last. */
  command?: Command;
}

/**
 * The program with every command, or (`only`, a command word) with that command alone: what a run
 * of that command parses and prints is the same either way (its help shows the global options,
 * never its siblings).
 */
export function buildProgram(
  context: CommandContext,
  helpOutput: HelpOutput = { capture: false, text: '' },
  only?: string,
): Command {
  const program = new Command('agentctl')
    .description('Run AI coding agents in hardened containers on Docker, Podman or Kubernetes')
    .version(BUILD_INFO.version, '-V, --version', 'print the CLI version')
    .option('--json', 'print exactly one JSON document on stdout (also on failure)')
    .option('-q, --quiet', 'print only data and errors')
    // No -v: users of `docker run` type it for a volume (see commanderToError).
    .option('--verbose', 'print debug information on stderr (secrets stay masked)')
    .option('--no-color', 'disable colour (NO_COLOR is honoured too)')
    .addOption(new Option('--runtime <kind>', 'use only this engine kind').choices(['docker', 'podman']))
    .option('--host <endpoint>', 'engine endpoint, e.g. unix:///run/podman/podman.sock or tcp://host:2375')
    .addOption(
      new Option('--backend <backend>', 'where agents run: a local engine or a Kubernetes cluster').choices([
        'engine',
        'kubernetes',
      ]),
    )
    .option('--kube-context <name>', 'kubeconfig context (Kubernetes backend; default: the current context)')
    .option('--namespace <name>', "namespace (Kubernetes backend; default: the context's, else default)")
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true, minWidthToWrap: 32 })
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl version                 # CLI, pinned image and engine versions
  $ agentctl config show --json      # effective configuration and where each value came from

Docs: docs/user-guide.md · Exit codes: docs/exit-codes.md`,
    )
    .hook('preAction', (_root, action) => {
      const opts = action.optsWithGlobals() as Record<string, unknown>;
      context.globals = {
        json: Boolean(opts.json),
        quiet: Boolean(opts.quiet),
        verbose: Boolean(opts.verbose),
        color: opts.color !== false,
        runtime: opts.runtime as 'docker' | 'podman' | undefined,
        backend: opts.backend as 'engine' | 'kubernetes' | undefined,
        kubeContext: opts.kubeContext as string | undefined,
        namespace: opts.namespace as string | undefined,
        host: opts.host as string | undefined,
      };
    });
  for (const [name, register] of COMMANDS) if (only === undefined || name === only) register(program, context);
  const writeOut = (text: string) => {
    if (helpOutput.capture) helpOutput.text += text;
    else context.io.streams.stdout.write(text);
  };
  // commander writes help to writeErr only when a command that needs a subcommand got none (bare
  // `agentctl`, `agentctl image`); that help is asked-for output, as with gh and docker: stdout.
  // Its errors go through outputError, which is silenced: agentctl reports them itself.
  const output = { writeOut, writeErr: writeOut, outputError: () => undefined };
  const configure = (command: Command) => {
    command.exitOverride();
    command.configureOutput(output);
    command.on('beforeHelp', () => {
      helpOutput.command = command;
    });
  };
  program.commands.forEach(function configureAll(command: Command) {
    configure(command);
    command.showSuggestionAfterError(true);
    command.commands.forEach(configureAll);
  });
  configure(program);
  return program;
}

/** Global options that take a value (their value is not a command word). */
const VALUE_OPTIONS = new Set(['--host', '--runtime', '--backend', '--kube-context', '--namespace']);

/** The first two words of argv that are neither options nor the values of global options. */
function commandWords(argv: string[]): string[] {
  const words: string[] = [];
  for (let index = 0; index < argv.length && words.length < 2; index += 1) {
    const word = argv[index]!;
    if (word === '--') break;
    if (word.startsWith('-')) {
      if (VALUE_OPTIONS.has(word)) index += 1;
      continue;
    }
    words.push(word);
  }
  return words;
}

/** Commands that need the whole tree: help lists it, completion completes from it. */
const WHOLE_TREE = new Set(['help', 'completion', '__complete']);

/**
 * The command to register alone for this argv, when it names one exactly; otherwise (no command,
 * a typo that commander suggests a fix for, help, completion) undefined: the whole tree.
 */
export function commandToRegister(argv: string[]): string | undefined {
  const [first] = commandWords(argv);
  if (first === undefined || WHOLE_TREE.has(first)) return undefined;
  return COMMANDS.some(([name]) => name === first) ? first : undefined;
}

/** `agentctl help NOSUCH` is a usage error (commander would print nothing and exit 0). */
function rejectUnknownHelpTopic(program: Command, argv: string[]): void {
  const [first, topic] = commandWords(argv);
  if (first !== 'help' || topic === undefined) return;
  if (program.commands.some((command) => command.name() === topic || command.aliases().includes(topic))) return;
  throw new UsageError('USAGE_UNKNOWN_COMMAND', `Unknown help topic '${topic}': there is no such command`, {
    hint: 'Run `agentctl --help` for the list of commands',
  });
}

function commanderToError(error: CommanderError): AgentctlError {
  // One line: commander puts its "(Did you mean …?)" on a line of its own.
  const message = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
  if (error.code === 'commander.unknownOption' && /'(-v|--volume)'/.test(message)) {
    // `docker run -v SRC:DST` habit: say what agentctl does instead of a bare "unknown option".
    return new UsageError(
      'USAGE_VOLUME_FLAG',
      'agentctl has no -v / --volume: an agent gets its workspace (at /workspace), its home volume and what --mount adds',
      {
        hint: 'Mount another host path with --mount SRC:DST (read-only unless :rw); for debug output use --verbose, for the version --version',
      },
    );
  }
  return new UsageError(
    `USAGE_${error.code
      .replace(/^commander\./, '')
      .replace(/[A-Z]/g, (c) => `_${c}`)
      .toUpperCase()}`,
    message.charAt(0).toUpperCase() + message.slice(1),
    {
      hint: 'Run `agentctl --help` (or `agentctl COMMAND --help`) for usage',
    },
  );
}

/** Runs agentctl with argv (without node and script) and returns the exit code. */
export async function main(argv: string[], deps: MainDeps = {}): Promise<number> {
  const streams = deps.streams ?? { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
  const env = deps.env ?? process.env;
  const early = preScan(argv);
  const io = new Io(streams, env, early);
  const controller = new AbortController();
  const context = new CommandContext({ io, env, cwd: deps.cwd ?? process.cwd(), signal: controller.signal });

  const removeHandlers = deps.handleSignals === false ? () => undefined : installSignalHandlers(controller);
  const helpOutput: HelpOutput = { capture: early.json, text: '' };
  try {
    const program = buildProgram(context, helpOutput, commandToRegister(argv));
    rejectUnknownHelpTopic(program, argv);
    await program.parseAsync(argv, { from: 'user' });
    await context.saveCaches();
    return 0;
  } catch (thrown) {
    // The agent's own exit code passed on: agentctl itself did what it was asked.
    if (thrown instanceof PassThroughExit) {
      await context.saveCaches();
      return thrown.code;
    }
    if (thrown instanceof CommanderError) {
      // Help asked for (or shown for a command that needs a subcommand) is a success, as in gh.
      if (thrown.code === 'commander.helpDisplayed' || thrown.code === 'commander.help') {
        if (early.json) {
          const { helpDocument } = await import('./commands/help-document.js');
          io.writeJson(helpDocument(helpOutput.command ?? buildProgram(context), helpOutput.text));
        }
        return 0;
      }
      if (thrown.code === 'commander.version') {
        if (early.json) io.writeJson({ ok: true, version: BUILD_INFO.version });
        return 0;
      }
      if (thrown.exitCode === 0) return 0;
      return report(io, commanderToError(thrown), early.json);
    }
    let error = toAgentctlError(thrown);
    if (controller.signal.aborted && error.kind === 'internal') {
      error =
        controller.signal.reason instanceof TerminatedError
          ? controller.signal.reason
          : new CancelledError('CANCELLED', 'Cancelled', { hint: 'Run the command again when ready' });
    }
    return report(io, error, context.globals.json || early.json);
  } finally {
    removeHandlers();
  }
}

function report(io: Io, error: AgentctlError, json: boolean): number {
  if (json) {
    io.writeJson({
      ok: false,
      error: {
        code: error.code,
        message: error.message,
        hint: error.hint,
        ...(error.details ? { details: error.details } : {}),
      },
    });
  } else {
    io.errRaw(`${io.style.red('error:')} ${error.message}\n${io.style.dim('hint:')} ${error.hint}\n`);
  }
  if (io.verbose && error.cause) {
    const cause = error.cause instanceof Error ? (error.cause.stack ?? error.cause.message) : String(error.cause);
    io.errRaw(`${io.style.dim(`cause: ${cause}`)}\n`);
  }
  return exitCodeFor(error.kind);
}

function installSignalHandlers(controller: AbortController): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    count += 1;
    if (count > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    const reason =
      signal === 'SIGINT'
        ? new CancelledError('CANCELLED', 'Cancelled by Ctrl-C', { hint: 'Run the command again when ready' })
        : new TerminatedError('TERMINATED', 'Stopped by SIGTERM', { hint: 'Run the command again when ready' });
    controller.abort(reason);
    // A command that does not watch the signal still ends with the documented code.
    setTimeout(() => process.exit(signal === 'SIGINT' ? 130 : 143), 10_000).unref();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
