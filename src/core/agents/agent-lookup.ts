import { NotFoundError } from '../errors.js';
import { LABELS } from '../labels.js';
import type { ContainerDetails, ContainerOperations } from '../../runtime/container-operations.js';
import { containerName } from './agent-name.js';

export type LookupRuntime = Pick<ContainerOperations, 'inspectContainer' | 'listContainers'>;

/** Labels that select agent containers (not helper objects agentctl may also label). */
export const AGENT_FILTER = { [LABELS.managed]: 'true', [LABELS.agent]: true } as const;

/** The container of each named agent; NotFoundError (exit 7) naming every unknown one. */
export async function lookupAgents(runtime: LookupRuntime, names: string[]): Promise<ContainerDetails[]> {
  const found = await Promise.all(names.map((name) => runtime.inspectContainer(containerName(name))));
  const missing = names.filter((_, index) => {
    const details = found[index];
    return !details || details.labels[LABELS.managed] !== 'true';
  });
  if (missing.length > 0) {
    throw new NotFoundError('AGENT_NOT_FOUND', `No agent named ${missing.map((name) => `"${name}"`).join(', ')}`, {
      hint: 'Run `agentctl ls --all` to see your agents',
      details: { agents: missing },
    });
  }
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
