import { EngineError, UsageError } from '../../shared/errors.js';
import { parseStopTimeoutFlag } from '../../shared/duration.js';
import type { ContainerDetails, ContainerOperations } from '../../runtime/container-operations.js';
import { agentNameFromDetails, lookupAgents, lookupAllAgents } from './agent-lookup.js';
import { startOutcome, waitUntilRunning, type StartOutcome } from './wait-running.js';

export type LifecycleRuntime = Pick<
  ContainerOperations,
  | 'inspectContainer'
  | 'listContainers'
  | 'stopContainer'
  | 'startContainer'
  | 'removeContainer'
  | 'removeVolume'
  | 'listVolumes'
  | 'inspectVolume'
>;

export interface AgentSelection {
  names: string[];
  all: boolean;
}

export function checkSelection(selection: AgentSelection, verb: string): void {
  if (selection.all && selection.names.length > 0) {
    throw new UsageError('NAMES_AND_ALL', `Give agent names or --all to ${verb}, not both`, {
      hint: `Run \`agentctl ${verb} --all\` or \`agentctl ${verb} NAME…\``,
    });
  }
  if (!selection.all && selection.names.length === 0) {
    throw new UsageError('NO_AGENT_GIVEN', `Name the agents to ${verb}, or pass --all`, {
      hint: `Run \`agentctl ${verb} NAME…\` (see \`agentctl ls\`)`,
    });
  }
}

/** --timeout of stop and restart: whole seconds (default 10), in the one duration grammar. */
export function parseStopTimeout(value: string | undefined): number {
  return value === undefined ? 10 : parseStopTimeoutFlag('--timeout', value);
}

export interface StopResult {
  name: string;
  /** It was running and has been stopped (false: it was not running). */
  stopped: boolean;
}

/**
 * Whether its process may still run: running, or (Podman) "stopping", which a stop that was
 * interrupted leaves behind until the engine's own stop timeout kills it.
 */
export function isLive(details: Pick<ContainerDetails, 'running' | 'state'>): boolean {
  return details.running || details.state === 'stopping';
}

/** After a stop the engine answered: it must really have stopped (Podman leaves "stopping" otherwise). */
async function confirmStopped(
  runtime: Pick<LifecycleRuntime, 'inspectContainer'>,
  details: ContainerDetails,
  name: string,
): Promise<void> {
  const after = await runtime.inspectContainer(details.id);
  if (after && isLive(after)) {
    throw new EngineError(
      'AGENT_STILL_RUNNING',
      `The engine answered the stop of agent ${name}, but it is still ${after.state}`,
      {
        hint: `Kill it at once with \`agentctl stop ${name} --timeout 0\`, then check \`agentctl ls --all\``,
        details: { agent: name, state: after.state, ...(after.pid ? { pid: after.pid } : {}) },
      },
    );
  }
}

/** SIGTERM, then SIGKILL after `timeoutSeconds` (passed to the engine explicitly). */
export async function stopAgents(
  deps: { runtime: LifecycleRuntime },
  selection: AgentSelection & { timeoutSeconds: number },
): Promise<StopResult[]> {
  checkSelection(selection, 'stop');
  const targets = selection.all
    ? await lookupAllAgents(deps.runtime, false)
    : await lookupAgents(deps.runtime, selection.names);
  return Promise.all(
    targets.map(async (details): Promise<StopResult> => {
      const name = agentNameFromDetails(details);
      if (!isLive(details)) return { name, stopped: false };
      await deps.runtime.stopContainer(details.id, selection.timeoutSeconds);
      await confirmStopped(deps.runtime, details, name);
      return { name, stopped: true };
    }),
  );
}

export type RestartResult = { name: string } & StartOutcome;

/**
 * Stops (when running) and starts each agent again, waiting until it runs. An agent whose command
 * runs and ends at once is restarted too: its result says `exited`, with the exit code.
 */
export async function restartAgents(
  deps: {
    runtime: LifecycleRuntime;
    signal?: AbortSignal;
    /**
     * Before each agent is stopped: what its start needs, made ready (the egress gateway running
     * with its registration); returns what to do right after its start (the gateway learns its
     * new address). A failure here leaves the agent as it was.
     */
    prepareStart?(details: ContainerDetails): Promise<{ afterStart(id: string): Promise<void> }>;
  },
  selection: AgentSelection & { timeoutSeconds: number; waitTimeoutMs: number },
): Promise<RestartResult[]> {
  checkSelection(selection, 'restart');
  const targets = selection.all
    ? await lookupAllAgents(deps.runtime, true)
    : await lookupAgents(deps.runtime, selection.names);
  return Promise.all(
    targets.map(async (details): Promise<RestartResult> => {
      const name = agentNameFromDetails(details);
      const hooks = await deps.prepareStart?.(details);
      if (isLive(details)) await deps.runtime.stopContainer(details.id, selection.timeoutSeconds);
      await deps.runtime.startContainer(details.id, { signal: deps.signal, timeoutMs: selection.waitTimeoutMs });
      await hooks?.afterStart(details.id);
      const after = await waitUntilRunning(
        { runtime: deps.runtime, signal: deps.signal },
        details.id,
        name,
        selection.waitTimeoutMs,
        details.startedAt,
      );
      return { name, ...startOutcome(after) };
    }),
  );
}
