import type { AgentSpecFacts } from '../../runtime/agent-spec.js';
import { ENGINE_SOCKET_PATH, SSH_SOCKET_PATH } from './agent-spec.js';
import { formatPublishedPort, isLoopbackAddress } from './published-ports.js';

/**
 * Everything that gives an agent more than the hardened default, whatever asked for it (a flag, a
 * config layer, an agent profile). Each is printed as a warning on every start and listed in
 * `--json` output as `agent.loosened`.
 */
export type LooseningKind =
  | 'network-host'
  | 'network-shared'
  | 'engine-socket'
  | 'capability'
  | 'ssh-agent'
  | 'unsafe-workspace'
  | 'published-port';

export interface Loosening {
  kind: LooseningKind;
  /** The value: the network mode, the capability, the socket or workspace path, the port binding. */
  value: string;
}

/** The loosenings in an agent's spec (or in what the backend reports of an existing agent). */
export function findLoosenings(
  facts: Partial<Pick<AgentSpecFacts, 'network' | 'mounts' | 'addCapabilities' | 'ports'>>,
  unsafeWorkspace?: string,
): Loosening[] {
  const found: Loosening[] = [];
  const network = facts.network ?? '';
  if (network === 'host') found.push({ kind: 'network-host', value: network });
  // Joining another container's (or any existing) network namespace: Docker's container:ID, Podman's ns:PATH.
  else if (/^(container|ns):/.test(network)) found.push({ kind: 'network-shared', value: network });
  for (const { source, target } of facts.mounts ?? []) {
    if (target === ENGINE_SOCKET_PATH) found.push({ kind: 'engine-socket', value: source });
    if (target === SSH_SOCKET_PATH) found.push({ kind: 'ssh-agent', value: source });
  }
  for (const capability of facts.addCapabilities ?? []) found.push({ kind: 'capability', value: capability });
  // A port on 127.0.0.1 reaches only this machine; on any other address (0.0.0.0, ::, a LAN
  // address the user wrote) the networks of that address reach into the agent.
  for (const port of facts.ports ?? [])
    if (!isLoopbackAddress(port.hostIp)) found.push({ kind: 'published-port', value: formatPublishedPort(port) });
  if (unsafeWorkspace) found.push({ kind: 'unsafe-workspace', value: unsafeWorkspace });
  return found;
}

/** The warning line for one loosening (stderr, on every start). */
export function describeLoosening(agent: string, loosening: Loosening): string {
  switch (loosening.kind) {
    case 'network-host':
      return `agent ${agent} shares the host's network (--network host): it reaches every service listening on the host, loopback included`;
    case 'network-shared':
      return `agent ${agent} joins an existing network namespace (--network ${loosening.value}): it reaches what that namespace reaches`;
    case 'engine-socket':
      return `agent ${agent} can use the container engine (--docker-access socket, ${loosening.value}): that is root on the engine's host`;
    case 'capability':
      return `agent ${agent} has the added capability ${loosening.value} (agent profile capabilities)`;
    case 'ssh-agent':
      return `agent ${agent} can sign with your ssh-agent's keys (--ssh); it never sees the keys themselves`;
    case 'published-port':
      return `agent ${agent} has a port published beyond this machine (--publish ${loosening.value}): every network that address is on can reach it`;
    case 'unsafe-workspace':
      return `agent ${agent} gets a workspace that is normally refused (--allow-unsafe-workspace): ${loosening.value}`;
  }
}
