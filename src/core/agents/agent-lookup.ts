import { quoteInput } from '../../shared/quote.js';
import { NotFoundError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import type { ContainerDetails, ContainerOperations } from '../../runtime/container-operations.js';
import type { AgentContainerInfo, StreamOperations } from '../../runtime/stream-operations.js';
import { containerName } from './agent-name.js';

export type LookupRuntime = Pick<ContainerOperations, 'inspectContainer' | 'listContainers'>;

/** Labels that select agent containers (not helper objects agentctl may also label). */
export const AGENT_FILTER = { [LABELS.managed]: 'true', [LABELS.agent]: true } as const;

/** AGENT_NOT_FOUND (exit 7) naming every unknown agent in `details.agents`. */
function agentNotFound(missing: string[], hint: string): NotFoundError {
  return new NotFoundError('AGENT_NOT_FOUND', `No agent named ${missing.map((name) => quoteInput(name)).join(', ')}`, {
    hint,
    details: { agents: missing },
  });
}

/**
 * The container of agent `name` for the stream commands: found by label io.agentctl.agent, else by
 * the container name agentctl-NAME. Throws AGENT_NOT_FOUND (exit 7) when there is none.
 */
export async function findAgent(
  deps: { runtime: Pick<StreamOperations, 'lookupAgentContainer'> },
  name: string,
): Promise<AgentContainerInfo> {
  const found = await deps.runtime.lookupAgentContainer(name);
  if (!found)
    throw agentNotFound([name], 'Run `agentctl ls --all` to see your agents, or `agentctl start` to create one');
  return found;
}

/** The container of each named agent; NotFoundError (exit 7) naming every unknown one. */
export async function lookupAgents(runtime: LookupRuntime, names: string[]): Promise<ContainerDetails[]> {
  const found = await Promise.all(names.map((name) => runtime.inspectContainer(containerName(name))));
  const missing = names.filter((_, index) => {
    const details = found[index];
    return !details || details.labels[LABELS.managed] !== 'true';
  });
  if (missing.length > 0) throw agentNotFound(missing, 'Run `agentctl ls --all` to see your agents');
  return found as ContainerDetails[];
}

/** Every agent container (running ones only unless `all`), inspected. */
export async function lookupAllAgents(runtime: LookupRuntime, all: boolean): Promise<ContainerDetails[]> {
  const list = await runtime.listContainers({ labels: AGENT_FILTER, all });
  const details = await Promise.all(list.map((item) => runtime.inspectContainer(item.id)));
  // A container removed between list and inspect is simply gone.
  return details.filter((item): item is ContainerDetails => item !== undefined);
}

export function agentNameFromDetails(details: ContainerDetails): string {
  return details.labels[LABELS.agent] ?? details.name;
}
