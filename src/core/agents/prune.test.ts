import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors.js';
import type { ContainerSummary, LabelFilter, VolumeSummary } from '../../runtime/container-operations.js';
import { pruneAgents } from './prune.js';
import type { LifecycleRuntime } from './stop-agent.js';

const managed = (agent: string, extra: Record<string, string> = {}) => ({
  'io.agentctl.managed': 'true',
  'io.agentctl.agent': agent,
  ...extra,
});

function matches(labels: Record<string, string>, filter: LabelFilter): boolean {
  return Object.entries(filter).every(([key, value]) => (value === true ? key in labels : labels[key] === value));
}

/** An engine that filters by label as the real ones do. */
function fakeEngine(containers: ContainerSummary[], volumes: VolumeSummary[], busyVolumes: string[] = []) {
  const removed: string[] = [];
  const runtime = {
    async listContainers({ labels }: { labels: LabelFilter }) {
      return containers.filter((c) => matches(c.labels, labels));
    },
    async listVolumes(labels: LabelFilter) {
      return volumes.filter((v) => matches(v.labels, labels));
    },
    async removeContainer(id: string) {
      removed.push(`container ${id}`);
    },
    async removeVolume(name: string) {
      if (busyVolumes.includes(name)) throw new ConflictError('VOLUME_IN_USE', 'in use', { hint: 'h' });
      removed.push(`volume ${name}`);
    },
  } as unknown as LifecycleRuntime;
  return { runtime, removed };
}

const container = (id: string, state: ContainerSummary['state'], labels: Record<string, string>): ContainerSummary => ({
  id,
  name: `agentctl-${id}`,
  state,
  labels,
  image: 'i',
});

describe('pruneAgents', () => {
  const engine = () =>
    fakeEngine(
      [
        container('gone', 'exited', managed('gone', { 'io.agentctl.workspace': '/w/a' })),
        container('live', 'running', managed('live', { 'io.agentctl.workspace': '/w/b' })),
        container('foreign', 'exited', { 'io.agentctl.agent': 'foreign' }),
      ],
      [
        { name: 'agentctl-gone-home', labels: managed('gone', { 'io.agentctl.workspace': '/w/a' }) },
        { name: 'agentctl-live-home', labels: managed('live', { 'io.agentctl.workspace': '/w/b' }) },
        { name: 'agentctl-orphan-home', labels: managed('orphan', { 'io.agentctl.workspace': '/w/b' }) },
        { name: 'agentctl-foreign-home', labels: {} },
        // The gateway's: it goes with its gateway (gateway-prune.ts), never as an orphan.
        {
          name: 'agentctl-egress-state',
          labels: { 'io.agentctl.managed': 'true', 'io.agentctl.kind': 'egress-state' },
        },
      ],
      ['agentctl-orphan-home'],
    );

  it('plans stopped agents, their volumes and orphans; never unlabelled objects, a live agent’s volume or the gateway’s', async () => {
    const { runtime, removed } = engine();
    const plan = await pruneAgents({ runtime, cwd: '/' }, { dryRun: true });
    expect(plan.containers).toEqual([{ name: 'gone', container: 'agentctl-gone', state: 'exited' }]);
    expect(plan.volumes.sort()).toEqual(['agentctl-gone-home', 'agentctl-orphan-home']);
    expect(removed).toEqual([]);
  });

  it('removes them, skipping an object the engine says is in use again', async () => {
    const { runtime, removed } = engine();
    const plan = await pruneAgents({ runtime, cwd: '/' }, { dryRun: false });
    expect(removed).toEqual(['container gone', 'volume agentctl-gone-home']);
    expect(plan.volumes).toEqual(['agentctl-gone-home']);
  });

  it('on a backend that clones (Kubernetes): keeps stopped agents and claims whose clone may hold work, unless --force', async () => {
    const kube = () =>
      fakeEngine(
        [
          container('gone', 'exited', managed('gone', { 'io.agentctl.workspace': '/w/a' })),
          container(
            'reader',
            'exited',
            managed('reader', { 'io.agentctl.workspace': '/w/a', 'io.agentctl.read-only': 'true' }),
          ),
          container('bare', 'exited', managed('bare')),
        ],
        [
          { name: 'agentctl-gone-home', labels: managed('gone', { 'io.agentctl.workspace': '/w/a' }) },
          {
            name: 'agentctl-reader-home',
            labels: managed('reader', { 'io.agentctl.workspace': '/w/a', 'io.agentctl.read-only': 'true' }),
          },
          { name: 'agentctl-orphan-home', labels: managed('orphan', { 'io.agentctl.workspace': '/w/b' }) },
          { name: 'agentctl-bare-home', labels: managed('bare') },
        ],
      );
    const { runtime, removed } = kube();
    const plan = await pruneAgents({ runtime, cwd: '/', clones: true }, { dryRun: false });
    // A read-only clone and an agent without a workspace hold no work: they go.
    expect(plan.containers.map((item) => item.name).sort()).toEqual(['bare', 'reader']);
    expect(plan.volumes.sort()).toEqual(['agentctl-bare-home', 'agentctl-reader-home']);
    expect(plan.clonesKept).toEqual([
      { agent: 'gone', volume: 'agentctl-gone-home', reason: expect.stringContaining('may hold work') },
      { agent: 'orphan', volume: 'agentctl-orphan-home', reason: expect.stringContaining('removed agent') },
    ]);
    expect(removed.filter((item) => /gone|orphan/.test(item))).toEqual([]);
    const forced = kube();
    const all = await pruneAgents({ runtime: forced.runtime, cwd: '/', clones: true }, { dryRun: false, force: true });
    expect(all.clonesKept).toBeUndefined();
    expect(forced.removed).toEqual(
      expect.arrayContaining(['container gone', 'volume agentctl-gone-home', 'volume agentctl-orphan-home']),
    );
    // The engines mount the workspace: no clone to keep.
    const engines = await pruneAgents({ runtime: kube().runtime, cwd: '/' }, { dryRun: true });
    expect(engines.clonesKept).toBeUndefined();
    expect(engines.containers).toHaveLength(3);
  });

  it('with --workspace, only that workspace’s agents and volumes', async () => {
    const { runtime } = engine();
    const plan = await pruneAgents({ runtime, cwd: '/' }, { dryRun: true, workspace: '/w/b' });
    expect(plan.containers).toEqual([]);
    expect(plan.volumes).toEqual(['agentctl-orphan-home']);
  });

  it('hands the agents it removes to the gateway prune, only when unscoped, and reports what it did', async () => {
    const calls: unknown[] = [];
    const pruneGateways = async (options: { dryRun: boolean; pruned: readonly ContainerSummary[] }) => {
      calls.push({ dryRun: options.dryRun, pruned: options.pruned.map((item) => item.id) });
      return {
        gateways: [{ name: 'agentctl-egress', container: 'agentctl-egress', networks: [], volume: null }],
        kept: [{ name: 'agentctl-egw-x', reason: 'a start is in progress (x)' }],
      };
    };
    const dry = await pruneAgents({ runtime: engine().runtime, cwd: '/', pruneGateways }, { dryRun: true });
    expect(dry.gateways.map((gateway) => gateway.name)).toEqual(['agentctl-egress']);
    expect(dry.gatewaysKept).toEqual([{ name: 'agentctl-egw-x', reason: 'a start is in progress (x)' }]);
    await pruneAgents({ runtime: engine().runtime, cwd: '/', pruneGateways }, { dryRun: false });
    const scoped = await pruneAgents(
      { runtime: engine().runtime, cwd: '/', pruneGateways },
      { dryRun: false, workspace: '/w/a' },
    );
    expect(scoped.gateways).toEqual([]);
    expect(calls).toEqual([
      { dryRun: true, pruned: ['gone'] },
      { dryRun: false, pruned: ['gone'] },
    ]);
  });
});
