import type { ContainerDetails } from '../../runtime/container-operations.js';
import { NotFoundError, UsageError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import {
  findAgent,
  lookupAgentContainers,
  type AgentContainerInfo,
  type LookupRuntime,
} from '../agents/agent-lookup.js';
import type { AgentLogsOptions } from '../agents/agent-logs.js';

/** `logs`'s own selection and window; `tail` is the last N events of each agent (not N lines of the gateway's log, which every agent shares). */
export type NetworkLogOptions = Pick<AgentLogsOptions, 'names' | 'all' | 'follow' | 'since' | 'until' | 'tail'>;

/** The flags of `logs` that bear on --network and --allowlist (to refuse what does not fit). */
export interface NetworkLogFlags {
  network: boolean;
  allowlist: boolean;
  follow: boolean;
  timestamps: boolean;
}

/** One gateway's log and the agents whose events are read from it. */
export interface NetworkLogTarget {
  gateway: string;
  /** The gateway container's id. */
  id: string;
  agents: string[];
}

/** NETWORK_LOG_OPTION (exit 2): a flag of `logs` that means nothing with (or without) --network. */
export function checkNetworkLogFlags(flags: NetworkLogFlags): void {
  const refuse = (message: string, hint: string) => {
    throw new UsageError('NETWORK_LOG_OPTION', message, { hint });
  };
  if (flags.allowlist && !flags.network)
    refuse(
      '--allowlist lists hosts from the network log: it needs --network',
      'Run `agentctl logs --network --allowlist NAME`',
    );
  if (!flags.network) return;
  if (flags.timestamps)
    refuse(
      '--timestamps does not apply to --network: every event has its own time',
      'Drop --timestamps (`--json` gives each event its full time)',
    );
  if (flags.allowlist && flags.follow)
    refuse(
      '--allowlist prints a list once the log is read: it cannot --follow',
      'Drop --follow: `agentctl logs --network --allowlist NAME`',
    );
}

/**
 * The gateways of the named agents (every agent of a gateway policy with `all`). An agent without
 * one is NETWORK_LOG_UNAVAILABLE (exit 2); a gateway that is gone, EGRESS_GATEWAY_NOT_FOUND (exit 7).
 */
export async function resolveNetworkLogTargets(
  deps: { runtime: LookupRuntime },
  options: Pick<NetworkLogOptions, 'names' | 'all'>,
): Promise<NetworkLogTarget[]> {
  if (options.all && options.names.length > 0) {
    throw new UsageError('NAMES_AND_ALL', 'Give agent names or --all, not both', {
      hint: 'Run `agentctl logs --network --all` or `agentctl logs --network NAME…`',
    });
  }
  let agents: AgentContainerInfo[];
  if (options.all) {
    agents = (await lookupAgentContainers(deps.runtime, { all: true })).filter((agent) => getGatewayOf(agent));
  } else {
    if (options.names.length === 0) {
      throw new UsageError('NO_AGENT_GIVEN', 'Name at least one agent, or give --all', {
        hint: 'Run `agentctl ls` to see your agents (EGRESS column), then `agentctl logs --network NAME`',
      });
    }
    agents = await Promise.all([...new Set(options.names)].map((name) => findAgent(deps, name)));
    for (const agent of agents) if (!getGatewayOf(agent)) throw networkLogUnavailable(agent);
  }
  const byGateway = new Map<string, string[]>();
  for (const agent of agents) {
    const gateway = getGatewayOf(agent)!;
    byGateway.set(gateway, [...(byGateway.get(gateway) ?? []), agent.agent]);
  }
  const targets: NetworkLogTarget[] = [];
  for (const [gateway, names] of byGateway) {
    const details = await deps.runtime.inspectContainer(gateway);
    if (!isGateway(details, gateway)) {
      throw new NotFoundError(
        'EGRESS_GATEWAY_NOT_FOUND',
        `The egress gateway ${gateway} of ${names.join(', ')} is gone`,
        {
          hint: `Its log went with its container. \`agentctl start ${names[0]}\` makes the gateway again; events are logged from then on`,
          details: { gateway, agents: names },
        },
      );
    }
    targets.push({ gateway, id: details.id, agents: names });
  }
  return targets;
}

/** The gateway an agent of policy allowlist or learn is registered with; undefined for other policies. */
function getGatewayOf(agent: AgentContainerInfo): string | undefined {
  const policy = agent.labels[LABELS.egress];
  if (policy !== 'allowlist' && policy !== 'learn') return undefined;
  return agent.labels[LABELS.egressGateway] || undefined;
}

function isGateway(details: ContainerDetails | undefined, name: string): details is ContainerDetails {
  return (
    details !== undefined &&
    details.name === name &&
    details.labels[LABELS.managed] === 'true' &&
    details.labels[LABELS.kind] === 'egress-gateway'
  );
}

function networkLogUnavailable(agent: AgentContainerInfo): UsageError {
  const policy = agent.labels[LABELS.egress] ?? 'open';
  return new UsageError(
    'NETWORK_LOG_UNAVAILABLE',
    `Agent ${agent.agent} has no network log: its egress policy is ${policy}, which does not go through the egress gateway`,
    {
      hint: `Only agents started with \`--egress allowlist\` or \`--egress learn\` have one: \`agentctl rm ${agent.agent}\`, then \`agentctl start ${agent.agent} --egress learn\``,
      details: { agent: agent.agent, policy },
    },
  );
}
