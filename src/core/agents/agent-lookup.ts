import { quoteInput } from '../../shared/quote.js';
import { NotFoundError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import type { ContainerDetails, ContainerOperations } from '../../runtime/container-operations.js';
import { CONTAINER_PREFIX } from '../../shared/labels.js';
import { containerName } from './agent-name.js';

export type LookupRuntime = Pick<ContainerOperations, 'inspectContainer' | 'listContainers' | 'listContainerDetails'>;

/** What attach, exec and logs need to know about an agent's container. */
export interface AgentContainerInfo {
  id: string;
  /** The container's name without the leading slash, e.g. `agentctl-foo`. */
  containerName: string;
  /** The agent's name (label io.agentctl.agent, else the container name without the prefix). */
  agent: string;
  /** Engine state: created, running, paused, restarting, exited, dead… */
  status: string;
  running: boolean;
  exitCode: number | undefined;
  /** The container was created with a TTY (its output is not multiplexed). */
  tty: boolean;
  /** The container keeps stdin open (created with -i). */
  openStdin: boolean;
  labels: Record<string, string>;
  /**
   * Names of the secrets the agent was started with, from the `<NAME>_FILE=/run/secrets/<NAME>`
   * variables agentctl set when it created the container (its config, which the agent cannot
   * change). Never values: those are nowhere but in the container.
   */
  secretNames: string[];
}

const SECRET_FILE_VARIABLE = /^([A-Za-z_][A-Za-z0-9_]*)_FILE=\/run\/secrets\/([A-Za-z_][A-Za-z0-9_]*)$/;

/** The secret names in a container's environment (`NAME_FILE=/run/secrets/NAME`). */
export function getSecretNames(env: readonly string[] | undefined): string[] {
  const names: string[] = [];
  for (const entry of env ?? []) {
    const match = SECRET_FILE_VARIABLE.exec(entry);
    if (match && match[1] === match[2]) names.push(match[1]!);
  }
  return names;
}

/** Labels that select agent containers (not helper objects agentctl may also label). */
export const AGENT_FILTER = { [LABELS.managed]: 'true', [LABELS.agent]: true } as const;

/** AGENT_NOT_FOUND (exit 7) naming every unknown agent in `details.agents`. */
function agentNotFound(missing: string[], hint: string): NotFoundError {
  return new NotFoundError('AGENT_NOT_FOUND', `No agent named ${missing.map((name) => quoteInput(name)).join(', ')}`, {
    hint,
    details: { agents: missing },
  });
}

/** What attach, exec and logs need, from what the backend reports of the agent's container. */
export function toAgentContainerInfo(details: ContainerDetails): AgentContainerInfo {
  return {
    id: details.id,
    containerName: details.name,
    agent: details.labels[LABELS.agent] ?? details.name.replace(CONTAINER_PREFIX, ''),
    status: details.state,
    running: details.running,
    exitCode: details.running ? undefined : details.exitCode,
    tty: details.tty,
    openStdin: details.openStdin,
    labels: details.labels,
    secretNames: getSecretNames(details.env),
  };
}

/**
 * The container of agent `name`: found by label io.agentctl.agent, else by the container name
 * agentctl-NAME (a container that merely shares the name is not agentctl's); undefined when absent.
 * The one agent lookup: every backend answers it with its list and inspect.
 */
export async function lookupAgentContainer(
  runtime: LookupRuntime,
  name: string,
): Promise<AgentContainerInfo | undefined> {
  const [listed] = await runtime.listContainers({
    labels: { [LABELS.managed]: 'true', [LABELS.agent]: name },
    all: true,
  });
  if (listed) {
    const found = await runtime.inspectContainer(listed.id);
    if (found) return toAgentContainerInfo(found);
  }
  const byName = await runtime.inspectContainer(containerName(name));
  if (byName && byName.name === containerName(name) && byName.labels[LABELS.managed] === 'true')
    return toAgentContainerInfo(byName);
  return undefined;
}

/** Every agent's container (running ones only unless `all`), sorted by agent name. */
export async function lookupAgentContainers(
  runtime: LookupRuntime,
  options: { all: boolean },
): Promise<AgentContainerInfo[]> {
  return (await lookupAllAgents(runtime, options.all))
    .map(toAgentContainerInfo)
    .sort((a, b) => a.agent.localeCompare(b.agent));
}

/**
 * The container of agent `name` for the stream commands (lookupAgentContainer). Throws
 * AGENT_NOT_FOUND (exit 7) when there is none.
 */
export async function findAgent(deps: { runtime: LookupRuntime }, name: string): Promise<AgentContainerInfo> {
  const found = await lookupAgentContainer(deps.runtime, name);
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
  if (runtime.listContainerDetails) return runtime.listContainerDetails({ labels: AGENT_FILTER, all });
  const list = await runtime.listContainers({ labels: AGENT_FILTER, all });
  const details = await Promise.all(list.map((item) => runtime.inspectContainer(item.id)));
  // A container removed between list and inspect is simply gone.
  return details.filter((item): item is ContainerDetails => item !== undefined);
}

export function agentNameFromDetails(details: ContainerDetails): string {
  return details.labels[LABELS.agent] ?? details.name;
}
