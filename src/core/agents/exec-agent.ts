import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamOperations } from '../../runtime/stream-operations.js';
import type { AgentContainerInfo, LookupRuntime } from './agent-lookup.js';
import { ConflictError, EngineError, UsageError } from '../../shared/errors.js';
import { findAgent } from './agent-lookup.js';
import { runSession, type OutputMasker, type TerminalStreams } from './stream-session.js';

export interface ExecAgentOptions {
  name: string;
  command: string[];
  /** Allocate a TTY in the agent (-t). */
  tty: boolean;
  /** Send stdin to the command (-i). */
  interactive: boolean;
  user?: string;
  workingDir?: string;
  env?: string[];
}

export interface StreamDeps {
  runtime: LookupRuntime &
    Pick<
      StreamOperations,
      | 'createExec'
      | 'startExec'
      | 'resizeExec'
      | 'inspectExec'
      | 'attachContainer'
      | 'resizeContainer'
      | 'waitContainerExit'
      | 'statContainerPath'
    >;
  streams: TerminalStreams;
  signal: AbortSignal;
  /** Masks secrets in the agent's output (io.secrets). */
  secrets?: OutputMasker;
  /** Registers the values of the agent's secrets that agentctl can know (see stream-secrets.ts). */
  registerAgentSecrets?: (agent: AgentContainerInfo) => void;
}

export interface ExecResult {
  exitCode: number;
  /**
   * Set when the command could not be run at all: not found (127), not executable (126), or the
   * working directory (-w) missing or not a directory (126, as docker exec gives for every start failure).
   */
  failure?: { code: 'EXEC_NOT_FOUND' | 'EXEC_NOT_EXECUTABLE' | 'EXEC_WORKDIR_INVALID'; message: string; hint: string };
}

// Docker: the runtime's own error text is the first output and the exit code 126.
const ENGINE_EXEC_FAILED = /^(?:OCI runtime exec failed|Error: (?:runc|crun)?:? ?exec failed)/;

/** Runs a command in a running agent and returns its exit code, as `docker exec` does. */
export async function execAgent(deps: StreamDeps, options: ExecAgentOptions): Promise<ExecResult> {
  if (options.command.length === 0) {
    throw new UsageError('USAGE_MISSING_ARGUMENT', 'Give the command to run after --', {
      hint: 'For example: agentctl exec my-agent -- ls -la',
    });
  }
  const agent = await findAgent(deps, options.name);
  deps.registerAgentSecrets?.(agent);
  if (!agent.running) {
    throw new ConflictError('AGENT_NOT_RUNNING', `Agent "${agent.agent}" is not running (${agent.status})`, {
      hint: `Start it with \`agentctl start ${agent.agent}\`, then run the command again`,
    });
  }
  const execId = await deps.runtime.createExec(agent.id, {
    command: options.command,
    tty: options.tty,
    stdin: options.interactive,
    user: options.user,
    workingDir: options.workingDir,
    env: options.env,
  });
  let connection;
  try {
    connection = await deps.runtime.startExec(execId, { tty: options.tty, stdin: options.interactive });
  } catch (error) {
    // Podman refuses to start an exec whose executable cannot be started.
    if (error instanceof EngineError && error.code === 'EXEC_START_REFUSED') {
      const state = await settledExec(deps, execId);
      // Its text names no cause: a -w directory is checked by the engine's stat (nothing runs).
      const workdir =
        options.workingDir && deps.runtime.statContainerPath
          ? await deps.runtime.statContainerPath(agent.id, options.workingDir).catch(() => 'unknown' as const)
          : undefined;
      const cause =
        workdir === 'absent' ? 'chdir: no such file or directory' : workdir === 'other' ? 'chdir: not a directory' : '';
      return failed(options, state ?? 127, `${error.message} ${cause}`);
    }
    throw new EngineError(
      'EXEC_FAILED',
      `Could not run the command in agent "${agent.agent}": ${(error as Error).message}`,
      {
        hint: 'Check the agent with `agentctl ls`, then run the command again (with --verbose for details)',
        cause: error,
      },
    );
  }
  const session = await runSession({
    connection,
    tty: options.tty,
    forwardStdin: options.interactive,
    streams: deps.streams,
    signal: deps.signal,
    secrets: deps.secrets,
    resize: (size) => deps.runtime.resizeExec(execId, size),
    holdFirst: (chunk) => ENGINE_EXEC_FAILED.test(chunk.toString('utf8')),
  });
  const exitCode = (await settledExec(deps, execId)) ?? 0;
  if (session.held !== undefined) {
    // Podman gives 125 for a -w that is not a directory, 127 for one that is missing.
    if (exitCode === 125 || exitCode === 126 || exitCode === 127) return failed(options, exitCode, session.held.text);
    session.held.replay();
  }
  return { exitCode };
}

/** Exec inspect may still say running for a moment after the stream ended. */
async function settledExec(deps: StreamDeps, execId: string): Promise<number | undefined> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const state = await deps.runtime.inspectExec(execId);
    if (!state.running) return state.exitCode;
    await sleep(Math.min(20 * (attempt + 1), 200));
  }
  return undefined;
}

function failed(options: ExecAgentOptions, exitCode: number, engineText: string): ExecResult {
  const command = options.command[0]!;
  // runc: `chdir to cwd ("/x") set in config.json failed: no such file or directory`; crun: `chdir to '/x': …`.
  if (/\bchdir\b/i.test(engineText)) {
    const directory = options.workingDir ?? '';
    const problem = /not a directory/i.test(engineText) ? 'is not a directory' : 'does not exist';
    return {
      exitCode: 126,
      failure: {
        code: 'EXEC_WORKDIR_INVALID',
        message: `Working directory "${directory}" ${problem} in agent "${options.name}"`,
        hint: "Give -w a directory that exists in the agent, or leave -w out for the image's working directory",
      },
    };
  }
  const denied =
    /permission denied/i.test(engineText) || (exitCode === 126 && !/not found|no such file/i.test(engineText));
  if (denied) {
    return {
      exitCode: 126,
      failure: {
        code: 'EXEC_NOT_EXECUTABLE',
        message: `Cannot run "${command}" in agent "${options.name}": permission denied`,
        hint: `Check that "${command}" is an executable file in the agent (\`agentctl exec ${options.name} -- ls -l ${command}\`)`,
      },
    };
  }
  return {
    exitCode: 127,
    failure: {
      code: 'EXEC_NOT_FOUND',
      message: `Command "${command}" not found in agent "${options.name}"`,
      hint: `Check the name and the agent's PATH, e.g. \`agentctl exec ${options.name} -- sh -c 'command -v ${command}'\``,
    },
  };
}

/** A login shell: bash when the image has it, else sh. */
export const LOGIN_SHELL_COMMAND = [
  'sh',
  '-c',
  'if command -v bash >/dev/null 2>&1; then exec bash -l; fi; exec sh -l',
];
