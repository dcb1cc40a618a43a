import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../../io/terminal.js';
import { CancelledError, ConflictError, EngineError } from '../../shared/errors.js';
import { findAgent, lookupAgentContainer } from './agent-lookup.js';
import type { StreamDeps } from './exec-agent.js';
import { runSession } from './stream-session.js';

/** What attachAgent returns when the user typed the detach keys: the agent keeps running. */
export const ATTACH_DETACHED = -1;

export interface AttachAgentOptions {
  name: string;
  /** docker's syntax, default DEFAULT_DETACH_KEYS (ctrl-\\). */
  detachKeys?: string;
  /**
   * Starts the (created, not yet running) container once attached, so nothing it prints first is
   * missed; `start` without --detach passes this.
   */
  start?: () => Promise<void>;
}

/**
 * Connects the terminal to the agent's main process: raw mode and resize forwarding on a TTY,
 * piped stdin otherwise. Resolves with the process's exit code when it ends, or ATTACH_DETACHED
 * when the detach keys were typed.
 */
export async function attachAgent(deps: StreamDeps, options: AttachAgentOptions): Promise<number> {
  const detachKeys = options.detachKeys ?? DEFAULT_DETACH_KEYS;
  const sequence = parseDetachKeys(detachKeys);
  const agent = await findAgent(deps, options.name);
  deps.registerAgentSecrets?.(agent);
  if (!agent.running && !options.start) {
    throw new ConflictError('AGENT_NOT_RUNNING', `Agent "${agent.agent}" is not running (${agent.status})`, {
      hint: `Start it with \`agentctl start ${agent.agent}\`, or see what it printed with \`agentctl logs ${agent.agent}\``,
    });
  }
  // Waiting starts before attaching, so an exit right after the stream ends is not missed. A wait
  // that failed (the engine went away, or it refuses waits) decides nothing: the inspect poll does,
  // and it reports a lost engine as such instead of a clean exit 0.
  const waiting = new AbortController();
  const waited = deps.runtime.waitContainerExit(agent.id, waiting.signal).then(
    (code) => ({ code }),
    () => undefined,
  );
  const exited = waited.then((outcome) => outcome?.code);
  const exitedIfWaited = waited.then((outcome) => (outcome ? outcome.code : new Promise<never>(() => {})));
  try {
    let connection;
    try {
      connection = await deps.runtime.attachContainer(agent.id, { stdin: agent.openStdin, detachKeys });
    } catch (error) {
      throw new EngineError(
        'ATTACH_FAILED',
        `Could not attach to agent "${agent.agent}": ${(error as Error).message}`,
        {
          hint: `Check the agent with \`agentctl ls\`, then run \`agentctl attach ${agent.agent}\` again`,
          cause: error,
        },
      );
    }
    if (options.start) {
      try {
        await options.start();
      } catch (error) {
        connection.destroy();
        throw error;
      }
    }
    // Ctrl-C reaches agentctl (not the agent) only without a raw terminal: it detaches then.
    const session = await runSession({
      connection,
      tty: agent.tty,
      forwardStdin: agent.openStdin,
      // The end of piped input must not end the output: Docker closes an attach's output when its
      // stdin is closed, so `echo status | agentctl attach A` would lose what A prints after.
      stdinEnd: 'keep',
      detachKeys: sequence,
      streams: deps.streams,
      signal: deps.signal,
      secrets: deps.secrets,
      resize: (size) => deps.runtime.resizeContainer(agent.id, size),
      redraw: agent.running,
    }).catch((error: unknown) => {
      if (error instanceof CancelledError) return { detached: true };
      throw error;
    });
    if (session.detached) return ATTACH_DETACHED;
    const code = await Promise.race([exitedIfWaited, pollExitCode(deps, agent.agent, waiting.signal, exited)]);
    return code ?? 0;
  } finally {
    waiting.abort();
  }
}

/**
 * The exit code once the container has stopped (inspect), for when the wait started too late. A
 * container already removed (auto-remove) leaves the answer to the wait.
 */
async function pollExitCode(
  deps: StreamDeps,
  name: string,
  signal: AbortSignal,
  exited: Promise<number | undefined>,
): Promise<number | undefined> {
  for (let attempt = 0; !signal.aborted; attempt += 1) {
    const agent = await lookupAgentContainer(deps.runtime, name);
    if (!agent) return exited;
    if (!agent.running) return agent.exitCode;
    await sleep(Math.min(50 * (attempt + 1), 500), undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}
