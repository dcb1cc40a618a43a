import { setTimeout as sleep } from 'node:timers/promises';
import { TimeoutError, UsageError } from '../../shared/errors.js';
import { findAgent } from '../agents/agent-lookup.js';
import type { ContainerOperations } from '../../runtime/container-operations.js';
import type { StreamOperations } from '../../runtime/stream-operations.js';

export interface WaitAgentsDeps {
  runtime: Pick<StreamOperations, 'waitContainerExit'> &
    Pick<ContainerOperations, 'inspectContainer' | 'listContainers'>;
  signal?: AbortSignal;
}

export interface AgentEnd {
  name: string;
  exitCode: number;
  /** ISO time the agent ended, as the engine recorded it. */
  finishedAt: string | null;
}

/**
 * Blocks until every named agent has ended and returns each one's exit code and end time. Every name
 * is looked up first (NotFoundError, exit 7, before waiting on any). An agent that has already
 * ended answers at once. With `timeoutMs`, a TimeoutError (exit 124) when they take longer.
 */
export async function waitAgents(
  deps: WaitAgentsDeps,
  options: { names: string[]; timeoutMs?: number },
): Promise<AgentEnd[]> {
  if (options.names.length === 0) {
    throw new UsageError('NO_AGENT_GIVEN', 'Name the agents to wait for', {
      hint: 'Run `agentctl wait NAME…` (see `agentctl ls`)',
    });
  }
  const agents = await Promise.all([...new Set(options.names)].map((name) => findAgent(deps, name)));
  const stop = new AbortController();
  const onAbort = () => stop.abort(deps.signal?.reason);
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const all = Promise.all(agents.map((agent) => waitOne(deps, agent.id, agent.agent, stop.signal)));
    const racers: Promise<AgentEnd[]>[] = [all, aborted(stop.signal)];
    if (options.timeoutMs !== undefined) {
      const timeoutMs = options.timeoutMs;
      racers.push(
        sleep(timeoutMs, undefined, { signal: stop.signal }).then(
          () => {
            throw new TimeoutError('WAIT_TIMEOUT', `The agents did not end within ${timeoutMs / 1000}s`, {
              hint: 'Wait longer with --timeout, or stop them with `agentctl stop NAME…`',
              details: { agents: agents.map((agent) => agent.agent) },
            });
          },
          () => new Promise<never>(() => undefined),
        ),
      );
    }
    return await Promise.race(racers);
  } finally {
    deps.signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
}

/** The exit code a set of agents leaves: the first non-zero in the order given, else 0. */
export function combinedExitCode(ends: readonly AgentEnd[]): number {
  return ends.find((end) => end.exitCode !== 0)?.exitCode ?? 0;
}

async function waitOne(deps: WaitAgentsDeps, id: string, name: string, signal: AbortSignal): Promise<AgentEnd> {
  // The wait is asked for before the state is read, so an exit in between is not missed.
  const exited = deps.runtime.waitContainerExit(id, signal).catch(() => undefined);
  for (let attempt = 0; ; attempt += 1) {
    const details = await deps.runtime.inspectContainer(id);
    if (!details) return { name, exitCode: (await exited) ?? 0, finishedAt: null };
    if (!details.running && details.state !== 'created') {
      return { name, exitCode: details.exitCode ?? 0, finishedAt: details.finishedAt ?? null };
    }
    // A wait that answered is the end; otherwise look again after a while (the wait may have missed it).
    const code = await Promise.race([
      exited,
      sleep(Math.min(250 * (attempt + 1), 2000), 'poll' as const, { signal }).catch(() => 'poll' as const),
    ]);
    if (signal.aborted) return new Promise<never>(() => undefined);
    if (code !== 'poll' && code !== undefined) {
      const after = await deps.runtime.inspectContainer(id);
      return { name, exitCode: after?.exitCode ?? code, finishedAt: after?.finishedAt ?? new Date().toISOString() };
    }
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    signal.addEventListener(
      'abort',
      () => {
        if (signal.reason !== undefined) reject(signal.reason);
      },
      { once: true },
    );
  });
}
