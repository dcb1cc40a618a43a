import type { ContainerOperations } from '../../runtime/container-operations.js';
import type { PublishedPort } from '../../runtime/agent-spec.js';
import { NotFoundError, UsageError } from '../../shared/errors.js';
import { lookupAgentContainer } from './agent-lookup.js';

/** `agentctl port NAME`: where the agent's published ports are on the host. */
export interface AgentPorts {
  agent: string;
  running: boolean;
  /**
   * While it runs, the bindings the engine made (the port it picked for a host port 0); when it
   * does not run, the ones it was created with (a host port 0 is picked at its next start).
   */
  ports: PublishedPort[];
}

/** `3000` or `3000/udp` (default tcp); INVALID_PORT otherwise. */
export function parsePortFilter(value: string): { containerPort: number; protocol: 'tcp' | 'udp' } {
  const match = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(value.trim());
  const port = Number(match?.[1]);
  if (!match || port < 1 || port > 65535) {
    throw new UsageError('INVALID_PORT', `Invalid port ${value}`, {
      hint: 'Give a port of the agent such as 3000 or 5353/udp, or no port for all of them',
    });
  }
  return { containerPort: port, protocol: (match[2]?.toLowerCase() ?? 'tcp') as 'tcp' | 'udp' };
}

/** Agent `name`'s published ports, only `filter`'s when given; AGENT_NOT_FOUND (exit 7), PORT_NOT_PUBLISHED (exit 7). */
export async function fetchAgentPorts(
  deps: { runtime: Pick<ContainerOperations, 'inspectContainer' | 'listContainers'> },
  name: string,
  filter?: string,
): Promise<AgentPorts> {
  const wanted = filter === undefined ? undefined : parsePortFilter(filter);
  const found = await lookupAgentContainer(deps.runtime, name);
  const details = found && (await deps.runtime.inspectContainer(found.id));
  if (!details)
    throw new NotFoundError('AGENT_NOT_FOUND', `No agent named ${name}`, {
      hint: 'Run `agentctl ls --all` to see your agents, or `agentctl start` to create one',
      details: { agents: [name] },
    });
  const all = details.running ? (details.boundPorts ?? []) : (details.spec.ports ?? []);
  const ports = wanted
    ? all.filter((port) => port.containerPort === wanted.containerPort && port.protocol === wanted.protocol)
    : all;
  if (wanted && ports.length === 0) {
    throw new NotFoundError(
      'PORT_NOT_PUBLISHED',
      `Agent ${name} does not publish port ${wanted.containerPort}/${wanted.protocol}`,
      {
        hint: `List what it publishes with \`agentctl port ${name}\`; a port is published when the agent is created (\`agentctl start NAME --publish ${wanted.containerPort}\`)`,
      },
    );
  }
  return { agent: found.agent, running: details.running, ports };
}
