import { describe, expect, it } from 'vitest';
import type { ContainerSummary, LabelFilter, VolumeSummary } from '../../runtime/container-operations.js';
import type { NetworkDetails } from '../../runtime/egress-operations.js';
import { ConflictError } from '../../shared/errors.js';
import { pruneGateways, type GatewayPruneDeps } from './gateway-prune.js';

const kind = (value: string) => ({ 'io.agentctl.managed': 'true', 'io.agentctl.kind': value });
const agentLabels = (agent: string, gateway?: string) => ({
  'io.agentctl.managed': 'true',
  'io.agentctl.agent': agent,
  ...(gateway ? { 'io.agentctl.egress': 'allowlist', 'io.agentctl.egress-gateway': gateway } : {}),
});
const container = (
  name: string,
  state: ContainerSummary['state'],
  labels: Record<string, string>,
): ContainerSummary => ({
  id: `id-${name}`,
  name,
  state,
  labels,
  image: 'i',
});

function matches(labels: Record<string, string>, filter: LabelFilter): boolean {
  return Object.entries(filter).every(([key, value]) => (value === true ? key in labels : labels[key] === value));
}

/** An engine with gateways `names` (container, networks, volume) and the given agents; it filters by label as the real ones do. */
function engine(options: {
  gateways: string[];
  agents?: ContainerSummary[];
  extraContainers?: ContainerSummary[];
  volumes?: VolumeSummary[];
  networks?: NetworkDetails[];
  busyNetworks?: string[];
  starts?: string[][];
}) {
  const removed: string[] = [];
  let containers = [
    ...options.gateways.map((name) => container(name, 'running', kind('egress-gateway'))),
    ...(options.agents ?? []),
    ...(options.extraContainers ?? []),
  ];
  let volumes = [
    ...options.gateways.map((name) => ({ name: `${name}-state`, labels: kind('egress-state') })),
    ...(options.volumes ?? []),
  ];
  let networks: NetworkDetails[] = [
    ...options.gateways.flatMap((name) =>
      ['internal', 'external'].map((side) => ({
        id: `n-${name}-${side}`,
        name: `${name}-${side}`,
        internal: side === 'internal',
        labels: kind('egress-network'),
        subnets: [],
      })),
    ),
    ...(options.networks ?? []),
  ];
  const starts = options.starts ?? [];
  const runtime: GatewayPruneDeps['runtime'] = {
    async listContainers({ labels }) {
      return containers.filter((item) => matches(item.labels, labels));
    },
    async listVolumes(labels) {
      return volumes.filter((item) => matches(item.labels, labels));
    },
    async removeContainer(id, removeOptions) {
      expect(removeOptions).toEqual({ force: true });
      removed.push(`container ${id}`);
      containers = containers.filter((item) => item.name !== id);
    },
    async removeVolume(name) {
      removed.push(`volume ${name}`);
      volumes = volumes.filter((item) => item.name !== name);
    },
    egress: {
      async inspectNetwork(name) {
        return networks.find((item) => item.name === name);
      },
      async removeNetwork(name) {
        if (options.busyNetworks?.includes(name))
          throw new ConflictError('NETWORK_IN_USE', `The network ${name} is in use by a container`, { hint: 'h' });
        removed.push(`network ${name}`);
        networks = networks.filter((item) => item.name !== name);
      },
    },
  };
  const deps: GatewayPruneDeps = { runtime, startsInProgress: async () => starts.shift() ?? [] };
  return { deps, removed };
}

const whole = (name: string) => ({
  name,
  container: name,
  networks: [`${name}-internal`, `${name}-external`],
  volume: `${name}-state`,
});

describe('pruneGateways', () => {
  it('removes a gateway no agent uses (container, both networks, state volume); keeps one a stopped agent uses', async () => {
    const { deps, removed } = engine({
      gateways: ['agentctl-egress', 'agentctl-egw-a'],
      agents: [container('agentctl-fixer', 'exited', agentLabels('fixer', 'agentctl-egw-a'))],
    });
    const plan = await pruneGateways(deps, { dryRun: false, pruned: [] });
    expect(plan).toEqual({ gateways: [whole('agentctl-egress')], kept: [] });
    expect(removed).toEqual([
      'container agentctl-egress',
      'network agentctl-egress-internal',
      'network agentctl-egress-external',
      'volume agentctl-egress-state',
    ]);
  });

  it('dry run: lists what would go, the agents this prune removes no longer holding theirs; removes nothing', async () => {
    const fixer = container('agentctl-fixer', 'exited', agentLabels('fixer', 'agentctl-egress'));
    const { deps, removed } = engine({ gateways: ['agentctl-egress'], agents: [fixer] });
    expect(await pruneGateways(deps, { dryRun: true, pruned: [] })).toEqual({ gateways: [], kept: [] });
    expect(await pruneGateways(deps, { dryRun: true, pruned: [fixer] })).toEqual({
      gateways: [whole('agentctl-egress')],
      kept: [],
    });
    expect(removed).toEqual([]);
  });

  it('keeps every unused gateway while a start is in progress; one whose pruned agent was only created', async () => {
    const started = engine({ gateways: ['agentctl-egress'], starts: [['fixer']] });
    expect(await pruneGateways(started.deps, { dryRun: false, pruned: [] })).toEqual({
      gateways: [],
      kept: [{ name: 'agentctl-egress', reason: 'a start is in progress (fixer)' }],
    });
    const created = container('agentctl-new', 'created', agentLabels('new', 'agentctl-egw-a'));
    const creating = engine({ gateways: ['agentctl-egress', 'agentctl-egw-a'], agents: [created] });
    // In use while it is there; when this prune removes it (a start elsewhere may be about to start it): kept.
    expect(await pruneGateways(creating.deps, { dryRun: true, pruned: [] })).toEqual({
      gateways: [whole('agentctl-egress')],
      kept: [],
    });
    const plan = await pruneGateways(creating.deps, { dryRun: false, pruned: [created] });
    expect(plan.gateways.map((gateway) => gateway.name)).toEqual(['agentctl-egress']);
    expect(plan.kept).toEqual([
      { name: 'agentctl-egw-a', reason: expect.stringContaining('agent new was only created') },
    ]);
    expect(started.removed).toEqual([]);
    expect(creating.removed.some((item) => item.includes('agentctl-egw-a'))).toBe(false);
  });

  it('looks again just before removing: a start that began since keeps them', async () => {
    const { deps, removed } = engine({ gateways: ['agentctl-egress'], starts: [[], ['late']] });
    expect(await pruneGateways(deps, { dryRun: false, pruned: [] })).toEqual({
      gateways: [],
      kept: [{ name: 'agentctl-egress', reason: 'a start is in progress (late)' }],
    });
    expect(removed).toEqual([]);
  });

  it('finds a gateway whose container is gone by its state volume; never touches unlabelled objects', async () => {
    const { deps, removed } = engine({
      gateways: [],
      volumes: [
        { name: 'agentctl-egw-old-state', labels: kind('egress-state') },
        { name: 'foreign-state', labels: { 'io.agentctl.kind': 'egress-state' } },
      ],
      networks: [
        { id: 'x', name: 'agentctl-egw-old-internal', internal: true, labels: kind('egress-network'), subnets: [] },
        { id: 'y', name: 'agentctl-egw-old-external', internal: false, labels: {}, subnets: [] },
      ],
      extraContainers: [container('someone-egress', 'running', { 'io.agentctl.kind': 'egress-gateway' })],
    });
    const plan = await pruneGateways(deps, { dryRun: false, pruned: [] });
    expect(plan.gateways).toEqual([
      {
        name: 'agentctl-egw-old',
        container: null,
        networks: ['agentctl-egw-old-internal'],
        volume: 'agentctl-egw-old-state',
      },
    ]);
    expect(removed).toEqual(['network agentctl-egw-old-internal', 'volume agentctl-egw-old-state']);
  });

  it('stops at a network a container joined since, reporting it; the rest stays for the next prune', async () => {
    const { deps, removed } = engine({ gateways: ['agentctl-egress'], busyNetworks: ['agentctl-egress-internal'] });
    const plan = await pruneGateways(deps, { dryRun: false, pruned: [] });
    expect(plan.gateways).toEqual([
      { name: 'agentctl-egress', container: 'agentctl-egress', networks: [], volume: null },
    ]);
    expect(plan.kept).toEqual([{ name: 'agentctl-egress', reason: expect.stringContaining('in use') }]);
    expect(removed).toEqual(['container agentctl-egress']);
  });

  it('only the gateways asked for; none on a backend without gateways', async () => {
    const { deps, removed } = engine({ gateways: ['agentctl-egress', 'agentctl-egw-a'] });
    const plan = await pruneGateways(deps, { dryRun: false, pruned: [], only: ['agentctl-egw-a'] });
    expect(plan.gateways.map((gateway) => gateway.name)).toEqual(['agentctl-egw-a']);
    expect(removed.every((item) => item.includes('agentctl-egw-a'))).toBe(true);
    const { egress: _, ...withoutEgress } = deps.runtime;
    expect(await pruneGateways({ ...deps, runtime: withoutEgress }, { dryRun: false, pruned: [] })).toEqual({
      gateways: [],
      kept: [],
    });
  });
});
