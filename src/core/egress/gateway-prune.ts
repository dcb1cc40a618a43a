import type { ContainerOperations, ContainerSummary } from '../../runtime/container-operations.js';
import type { EgressOperations } from '../../runtime/egress-operations.js';
import { ConflictError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import { AGENT_FILTER } from '../agents/agent-lookup.js';
import { getGatewayNames } from './gateway.js';

/** An egress gateway `prune` removes (or would remove): what of it there is. */
export interface PrunedGateway {
  name: string;
  /** The gateway container, when there is one. */
  container: string | null;
  networks: string[];
  volume: string | null;
}

/** A gateway no agent uses that `prune` left in place, and why. */
export interface KeptGateway {
  name: string;
  reason: string;
}

export interface GatewayPrunePlan {
  gateways: PrunedGateway[];
  kept: KeptGateway[];
}

export interface GatewayPruneDeps {
  runtime: Pick<ContainerOperations, 'listContainers' | 'listVolumes' | 'removeContainer' | 'removeVolume'> & {
    egress?: Pick<EgressOperations, 'inspectNetwork' | 'removeNetwork'>;
  };
  /** The agents starting against this engine now (start-journal.ts `listStartsInProgress`). */
  startsInProgress(): Promise<string[]>;
}

export interface GatewayPruneOptions {
  dryRun: boolean;
  /** The agent containers this prune removes (or would): they no longer hold their gateway. */
  pruned: readonly ContainerSummary[];
  /** Only these gateways (by name); every gateway of the engine when undefined. */
  only?: readonly string[];
}

const managedKind = (kind: string) => ({ [LABELS.managed]: 'true', [LABELS.kind]: kind });

/**
 * Removes the egress gateways no agent uses any more: each one's container, its two networks and
 * its state volume (its registrations and its log go with them; the first agent that needs a
 * gateway makes it again). A gateway is kept while any agent container (in any state) names it
 * (label io.agentctl.egress-gateway), also one only `created` that this prune removes, and every
 * gateway is kept while a start against this engine is in progress (it may be about to use one,
 * before its container exists). Only objects labelled by agentctl as the gateway's are touched.
 */
export async function pruneGateways(deps: GatewayPruneDeps, options: GatewayPruneOptions): Promise<GatewayPrunePlan> {
  const { runtime } = deps;
  const egress = runtime.egress;
  if (!egress) return { gateways: [], kept: [] };
  const candidates = await findGateways(deps, options.only);
  if (candidates.length === 0) return { gateways: [], kept: [] };
  const prunedIds = new Set(options.pruned.map((item) => item.id));
  const usage = async () => {
    const agents = await runtime.listContainers({ labels: AGENT_FILTER, all: true });
    const inUse = new Set(
      agents.filter((item) => !prunedIds.has(item.id)).map((item) => item.labels[LABELS.egressGateway]),
    );
    // An agent only created, that this prune removes, may be a start of another data directory
    // (whose journal is not seen here) about to start it: its gateway stays until the next prune.
    const creating = new Map<string, string>();
    for (const item of options.pruned)
      if (item.state === 'created' && item.labels[LABELS.egressGateway])
        creating.set(item.labels[LABELS.egressGateway]!, item.labels[LABELS.agent] ?? item.name);
    const starting = await deps.startsInProgress();
    const busy = starting.length > 0 ? `a start is in progress (${starting.join(', ')})` : undefined;
    return { inUse, creating, busy };
  };
  const first = await usage();
  const unused = candidates.filter((gateway) => !first.inUse.has(gateway.name));
  const keepAll = (reason: string) => ({
    gateways: [],
    kept: unused.map((gateway) => ({ name: gateway.name, reason })),
  });
  if (first.busy) return keepAll(first.busy);
  const kept: KeptGateway[] = [];
  const removable = unused.filter((gateway) => {
    const agent = first.creating.get(gateway.name);
    if (agent)
      kept.push({
        name: gateway.name,
        reason: `agent ${agent} was only created (a start may be in progress): the next prune removes it`,
      });
    return !agent;
  });
  if (options.dryRun) return { gateways: removable, kept };
  // Asked again just before: a start that began since the first look keeps them all.
  const again = await usage();
  if (again.busy) return keepAll(again.busy);
  const plan: GatewayPrunePlan = { gateways: [], kept };
  for (const gateway of removable.filter((item) => !again.inUse.has(item.name))) {
    const removed: PrunedGateway = { name: gateway.name, container: null, networks: [], volume: null };
    try {
      if (gateway.container) {
        await runtime.removeContainer(gateway.container, { force: true });
        removed.container = gateway.container;
      }
      for (const network of gateway.networks) {
        await egress.removeNetwork(network);
        removed.networks.push(network);
      }
      if (gateway.volume) {
        await runtime.removeVolume(gateway.volume);
        removed.volume = gateway.volume;
      }
    } catch (error) {
      // A container joined its network, or took its volume, since: the rest stays for the next prune.
      if (!(error instanceof ConflictError)) throw error;
      plan.kept.push({ name: gateway.name, reason: error.message });
    }
    if (removed.container || removed.networks.length > 0 || removed.volume) plan.gateways.push(removed);
  }
  return plan;
}

/**
 * The gateways of this engine: their containers (label io.agentctl.kind=egress-gateway) and state
 * volumes (egress-state: a gateway whose container is gone), with the networks of each that exist.
 */
async function findGateways(deps: GatewayPruneDeps, only: readonly string[] | undefined): Promise<PrunedGateway[]> {
  const { runtime } = deps;
  const egress = runtime.egress!;
  const [containers, volumes] = await Promise.all([
    runtime.listContainers({ labels: managedKind('egress-gateway'), all: true }),
    runtime.listVolumes(managedKind('egress-state')),
  ]);
  const names = new Set<string>();
  for (const item of containers)
    if (item.labels[LABELS.managed] === 'true' && item.labels[LABELS.kind] === 'egress-gateway') names.add(item.name);
  for (const volume of volumes)
    if (
      volume.labels[LABELS.managed] === 'true' &&
      volume.labels[LABELS.kind] === 'egress-state' &&
      volume.name.endsWith('-state')
    )
      names.add(volume.name.slice(0, -'-state'.length));
  const gateways: PrunedGateway[] = [];
  for (const name of [...names].sort()) {
    if (only && !only.includes(name)) continue;
    const objects = getGatewayNames({ AGENTCTL_EGRESS_NAME: name });
    // A name getGatewayNames would not give back is no gateway agentctl made.
    if (objects.gateway !== name) continue;
    const networks: string[] = [];
    for (const network of [objects.internal, objects.external]) {
      const details = await egress.inspectNetwork(network);
      if (details && details.labels[LABELS.managed] === 'true' && details.labels[LABELS.kind] === 'egress-network')
        networks.push(network);
    }
    gateways.push({
      name,
      container: containers.some((item) => item.name === name) ? name : null,
      networks,
      volume: volumes.some((volume) => volume.name === objects.volume) ? objects.volume : null,
    });
  }
  return gateways;
}
