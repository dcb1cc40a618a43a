import { UsageError, toAgentctlError, type AgentctlError } from '../../shared/errors.js';
import { MAX_AGENT_NAME_LENGTH, validateAgentName } from './agent-name.js';
import { prepareAgent } from './start-agent.js';
import type { PendingAgent, StartAgentDeps, StartedAgent } from './start-agent-types.js';
import type { StartAgentOptions } from './start-options.js';

/** The most agents one `start --count` makes: a typo (`--count 1000`) must not flood an engine. */
export const MAX_COUNT = 100;

/**
 * How many starts wait at once; also how many agents are made at once when they take nothing from
 * each other (read-only, or a worktree each; see startAll).
 */
const PARALLEL_STARTS = 16;

/**
 * On a backend where every agent has its own copy of the workspace (no bind mounts: Kubernetes),
 * how many agents are made and started at once: no agent's workspace depends on another's, and the
 * cluster starts Pods side by side, so all of them (a count is at most MAX_COUNT).
 */
const PARALLEL_OWN_COPIES = MAX_COUNT;

export interface ManyStarted {
  started: StartedAgent[];
  failed: { name: string; error: AgentctlError }[];
}

/** `--count N` as given on the command line: a whole number from 1 to MAX_COUNT. */
export function parseCount(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new UsageError('INVALID_COUNT', `Invalid --count "${value}"`, {
      hint: `Give a whole number of agents from 1 to ${MAX_COUNT}, e.g. --count 5`,
    });
  }
  return count;
}

/** NAME-1 … NAME-N: the names of `start NAME --count N`. */
export function countedNames(base: string, count: number): string[] {
  const width = String(count).length + 1;
  if (base.length + width > MAX_AGENT_NAME_LENGTH) {
    throw new UsageError('AGENT_NAME_INVALID', `The name ${base} is too long for --count ${count}`, {
      hint: `Use a base name of at most ${MAX_AGENT_NAME_LENGTH - width} characters with --count ${count}`,
    });
  }
  return Array.from({ length: count }, (_, index) => validateAgentName(`${base}-${index + 1}`));
}

/**
 * Starts several agents detached in one process: one engine connection, one config, the image
 * resolved once. In the `auto` worktree mode agents are made one after another — each takes its
 * workspace (the checkout, or a worktree of its own) knowing what the ones before it took — then
 * started and waited for together. Agents that take nothing from each other (each its own copy on
 * Kubernetes, a worktree each with --worktree, or the checkout read-only) are each made and started
 * at once, side by side. An agent that fails is removed with what its start made; the others stay.
 */
export async function startAgents(
  deps: StartAgentDeps,
  base: Omit<StartAgentOptions, 'name'>,
  names: string[],
): Promise<ManyStarted> {
  const resolved = new Map<string, ReturnType<StartAgentDeps['resolveImage']>>();
  const shared: StartAgentDeps = {
    ...deps,
    // One resolution (and at most one pull) for every agent asking for the same image.
    resolveImage(runtime, request) {
      const key = JSON.stringify(request);
      let found = resolved.get(key);
      if (!found) {
        found = deps.resolveImage(runtime, request);
        resolved.set(key, found);
      }
      return found;
    },
  };
  const fanOut = signalPerAgent(deps.signal);
  try {
    return await startAll(shared, fanOut.next, base, names);
  } finally {
    fanOut.dispose();
  }
}

async function startAll(
  shared: StartAgentDeps,
  signalFor: () => AbortSignal | undefined,
  base: Omit<StartAgentOptions, 'name'>,
  names: string[],
): Promise<ManyStarted> {
  const deps = shared;
  const own = (): StartAgentDeps => ({ ...shared, signal: signalFor() });
  const failed: ManyStarted['failed'] = [];
  const order = new Map(names.map((name, index) => [name, index]));
  const byName = <T extends { name: string }>(a: T, b: T) => order.get(a.name)! - order.get(b.name)!;
  const ownCopies = !(await deps.runtime()).capabilities.bindMounts;
  // Agents that take nothing from each other — each its own copy (Kubernetes), its own worktree
  // (--worktree), or the checkout read-only — are made side by side; in the `auto` mode the first
  // takes the checkout and the others worktrees, so each must see what the ones before it took.
  if (ownCopies || base.readOnly || base.worktree === true) {
    const started = await startEach(
      own,
      deps.signal,
      base,
      names,
      failed,
      ownCopies ? PARALLEL_OWN_COPIES : PARALLEL_STARTS,
    );
    return { started: started.sort(byName), failed: failed.sort(byName) };
  }
  const pending: PendingAgent[] = [];
  for (const name of names) {
    if (deps.signal?.aborted) break;
    try {
      pending.push(await prepareAgent(own(), { ...base, name }));
    } catch (error) {
      failed.push({ name, error: toAgentctlError(error) });
    }
  }
  const started: StartedAgent[] = [];
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const agent = pending[next++]!;
      if (deps.signal?.aborted) {
        await agent.discard();
        failed.push({ name: agent.name, error: toAgentctlError(deps.signal.reason) });
        continue;
      }
      try {
        started.push(await agent.start('detached'));
      } catch (error) {
        failed.push({ name: agent.name, error: toAgentctlError(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_STARTS, pending.length) }, worker));
  return { started: started.sort(byName), failed: failed.sort(byName) };
}

/** Each agent made and started on its own, `parallel` at once (see above). */
async function startEach(
  own: () => StartAgentDeps,
  signal: AbortSignal | undefined,
  base: Omit<StartAgentOptions, 'name'>,
  names: string[],
  failed: ManyStarted['failed'],
  parallel: number,
): Promise<StartedAgent[]> {
  const started: StartedAgent[] = [];
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      if (signal?.aborted) {
        failed.push({ name, error: toAgentctlError(signal.reason) });
        continue;
      }
      try {
        started.push(await (await prepareAgent(own(), { ...base, name })).start('detached'));
      } catch (error) {
        failed.push({ name, error: toAgentctlError(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, names.length) }, worker));
  return started;
}

/**
 * One signal per agent, all aborted by the command's: each agent's waits listen on their own, so
 * many agents do not pile listeners onto one signal (Node warns past 10: MaxListenersExceededWarning).
 */
function signalPerAgent(signal: AbortSignal | undefined): { next(): AbortSignal | undefined; dispose(): void } {
  const controllers: AbortController[] = [];
  const abortAll = () => controllers.forEach((controller) => controller.abort(signal!.reason));
  signal?.addEventListener('abort', abortAll, { once: true });
  return {
    next() {
      if (!signal) return undefined;
      const controller = new AbortController();
      if (signal.aborted) controller.abort(signal.reason);
      controllers.push(controller);
      return controller.signal;
    },
    dispose: () => signal?.removeEventListener('abort', abortAll),
  };
}
