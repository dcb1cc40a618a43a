import { resolve } from 'node:path';
import { ConflictError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import type { LabelFilter } from '../../runtime/container-operations.js';
import { AGENT_FILTER } from './agent-lookup.js';
import type { LifecycleRuntime } from './stop-agent.js';
import { pruneAgentWorktrees, type AgentWorktreeDeps } from '../worktree/agent-worktrees.js';
import type { GatewayPruneOptions, GatewayPrunePlan, KeptGateway, PrunedGateway } from '../egress/gateway-prune.js';

export interface PruneOptions {
  dryRun: boolean;
  /** Only agents (and volumes) of this workspace. */
  workspace?: string;
  /**
   * Also remove orphan worktrees holding uncommitted or unmerged work, and (Kubernetes) stopped
   * agents and claims whose workspace clone may hold work.
   */
  force?: boolean;
}

/** A stopped agent (or an agent's orphan state volume) kept because its workspace clone may hold work. */
export interface KeptClone {
  agent: string;
  /** Its state volume (claim), which holds the clone. */
  volume: string | null;
  reason: string;
}

export interface PrunePlan {
  containers: { name: string; container: string; state: string }[];
  volumes: string[];
  /** Egress gateways no agent uses any more (only an unscoped prune removes them). */
  gateways: PrunedGateway[];
  /** Gateways no agent uses that were kept (a start in progress), with the reason. */
  gatewaysKept?: KeptGateway[];
  dryRun: boolean;
  /** Kubernetes: agents and claims kept because their workspace clone may hold work (not with --force). */
  clonesKept?: KeptClone[];
  /** Worktrees of agents that no longer exist: removed, and refused because work would be lost. */
  worktrees?: {
    removed: { agent: string; path: string; branch: string; deletedBranch: boolean }[];
    refused: { agent: string; path: string; branch: string; message: string }[];
  };
}

const STOPPED = new Set(['created', 'exited', 'dead', 'stopped', 'configured']);

const CLONE_REASON = 'its workspace clone may hold work not brought back (its Pod is gone, so agentctl cannot read it)';
const ORPHAN_CLONE_REASON = 'the claim holds the workspace clone of a removed agent, which may hold work';

/**
 * An agent (or its state volume) whose workspace is a writable clone on its state volume, on a
 * backend that clones (Kubernetes): removing the volume could drop commits and files of the agent.
 */
export function holdsClone(labels: Readonly<Record<string, string>>): boolean {
  return Boolean(labels[LABELS.workspace]) && labels[LABELS.readOnly] !== 'true';
}

/**
 * Removes stopped agent containers, their volumes and agentctl volumes whose agent has no
 * container any more. Only objects labelled io.agentctl.managed=true are ever considered.
 */
export async function pruneAgents(
  deps: {
    runtime: LifecycleRuntime;
    cwd: string;
    worktrees?: AgentWorktreeDeps & { worktreeDir: string };
    /** A pruned agent of a gateway policy leaves its egress gateway (agent-egress.ts). */
    unregisterEgress?: (name: string, labels: Readonly<Record<string, string>>) => Promise<void>;
    /** Removes the egress gateways no remaining agent uses (egress/gateway-prune.ts). */
    pruneGateways?: (options: Omit<GatewayPruneOptions, 'only'>) => Promise<GatewayPrunePlan>;
    /**
     * The backend gives each agent a clone of its workspace on its state volume (Kubernetes): a
     * stopped agent's clone cannot be read without its Pod, so nothing proves it holds no work.
     */
    clones?: boolean;
  },
  options: PruneOptions,
): Promise<PrunePlan> {
  const scope: LabelFilter = options.workspace ? { [LABELS.workspace]: resolve(deps.cwd, options.workspace) } : {};
  const containers = await deps.runtime.listContainers({ labels: { ...AGENT_FILTER, ...scope }, all: true });
  const keptClones = (labels: Readonly<Record<string, string>>) =>
    Boolean(deps.clones) && !options.force && holdsClone(labels);
  const clonesKept: KeptClone[] = [];
  const stopped = containers.filter((item) => {
    if (!STOPPED.has(item.state) || item.labels[LABELS.managed] !== 'true') return false;
    if (!keptClones(item.labels)) return true;
    const agent = item.labels[LABELS.agent] ?? item.name;
    clonesKept.push({ agent, volume: null, reason: CLONE_REASON });
    return false;
  });
  const keep = new Set(containers.filter((item) => !stopped.includes(item)).map((item) => item.labels[LABELS.agent]));
  // Agents of other workspaces still own their volumes when pruning one workspace.
  if (options.workspace) {
    const everyAgent = await deps.runtime.listContainers({ labels: AGENT_FILTER, all: true });
    for (const item of everyAgent)
      if (!stopped.some((gone) => gone.id === item.id)) keep.add(item.labels[LABELS.agent]);
  }
  // The egress gateway's state volume has no agent: it goes with its gateway (gateway-prune.ts),
  // never as an orphan (a claim in use is deleted anyway on Kubernetes, once its Pod goes).
  const listedVolumes = await deps.runtime.listVolumes({ [LABELS.managed]: 'true', ...scope });
  for (const volume of listedVolumes) {
    const kept = clonesKept.find((item) => item.agent === volume.labels[LABELS.agent]);
    if (kept) kept.volume = volume.name;
  }
  const volumes = listedVolumes
    .filter((volume) => {
      if (
        volume.labels[LABELS.managed] !== 'true' ||
        volume.labels[LABELS.kind] === 'egress-state' ||
        keep.has(volume.labels[LABELS.agent])
      )
        return false;
      if (!keptClones(volume.labels)) return true;
      // An orphan claim (its agent removed without --volumes): `start NAME` again uses its clone.
      clonesKept.push({ agent: volume.labels[LABELS.agent] ?? '', volume: volume.name, reason: ORPHAN_CLONE_REASON });
      return false;
    })
    .map((volume) => volume.name);
  const plan: PrunePlan = {
    containers: stopped.map((item) => ({
      name: item.labels[LABELS.agent] ?? item.name,
      container: item.name,
      state: item.state,
    })),
    volumes,
    gateways: [],
    dryRun: options.dryRun,
    ...(clonesKept.length > 0 ? { clonesKept } : {}),
  };
  // Gateways are the engine's, not a workspace's: only an unscoped prune looks at them.
  const pruneGatewaysNow = async (pruned: typeof containers): Promise<Pick<PrunePlan, 'gateways' | 'gatewaysKept'>> => {
    if (options.workspace || !deps.pruneGateways) return { gateways: [] };
    const result = await deps.pruneGateways({ dryRun: options.dryRun, pruned });
    return { gateways: result.gateways, ...(result.kept.length > 0 ? { gatewaysKept: result.kept } : {}) };
  };
  // Worktrees of agents that are gone (or go now); those of remaining agents are in use.
  const pruneWorktreesNow = async (kept: typeof containers) => {
    if (!deps.worktrees) return undefined;
    const inUse = new Set(
      kept.map((item) => item.labels[LABELS.gitState]).filter((path): path is string => Boolean(path)),
    );
    const workspace = options.workspace === undefined ? {} : { workspace: resolve(deps.cwd, options.workspace) };
    const result = await pruneAgentWorktrees(deps.worktrees, {
      inUse,
      force: Boolean(options.force),
      dryRun: options.dryRun,
      ...workspace,
    });
    return {
      removed: result.removed,
      refused: result.refused.map((item) => ({
        agent: item.agent,
        path: item.location.path ?? '',
        branch: item.location.branch,
        message: item.error.message,
      })),
    };
  };
  if (options.dryRun) {
    // Every agent of every workspace keeps its worktree, except those that would be pruned.
    const everyAgent = await deps.runtime.listContainers({ labels: AGENT_FILTER, all: true });
    const worktrees = await pruneWorktreesNow(
      everyAgent.filter((item) => !stopped.some((gone) => gone.id === item.id)),
    );
    const gateways = await pruneGatewaysNow(stopped);
    return { ...plan, ...gateways, ...(worktrees ? { worktrees } : {}) };
  }
  // An object started or used again since it was listed is left alone (the engine refuses: 409).
  const removedContainers = await Promise.all(
    stopped.map(async (item) => {
      const removed = await deps.runtime.removeContainer(item.id, { force: false }).then(() => true, skipConflict);
      if (removed) await deps.unregisterEgress?.(item.labels[LABELS.agent] ?? item.name, item.labels);
      return removed;
    }),
  );
  const removedVolumes = await Promise.all(
    volumes.map((volume) => deps.runtime.removeVolume(volume).then(() => true, skipConflict)),
  );
  const remaining = await deps.runtime.listContainers({ labels: AGENT_FILTER, all: true });
  const worktrees = await pruneWorktreesNow(remaining);
  // A container the engine refused to remove (started again) still holds its gateway.
  const gateways = await pruneGatewaysNow(stopped.filter((_, index) => removedContainers[index]));
  return {
    containers: plan.containers.filter((_, index) => removedContainers[index]),
    volumes: volumes.filter((_, index) => removedVolumes[index]),
    ...gateways,
    dryRun: false,
    ...(clonesKept.length > 0 ? { clonesKept } : {}),
    ...(worktrees ? { worktrees } : {}),
  };
}

function skipConflict(error: unknown): false {
  if (error instanceof ConflictError) return false;
  throw error;
}
