import { getUserLabels, LABELS } from '../../shared/labels.js';
import type { ContainerDetails } from '../../runtime/container-operations.js';
import { agentNameFromDetails, lookupAllAgents, type LookupRuntime } from './agent-lookup.js';
import type { AgentWorktreeDeps } from '../worktree/agent-worktrees.js';
import type { EgressPolicy } from '../../egress/contract.js';
import { getRecordedEgress } from '../egress/agent-egress.js';
import { getRecordedImage } from './recorded-image.js';

export interface AgentListing {
  name: string;
  container: string;
  id: string;
  state: string;
  health: string | null;
  /** The exit code of an agent that ran and ended; null while it runs (or when it never ran). */
  exitCode: number | null;
  /** When it ended (ISO); null while it runs. */
  finishedAt: string | null;
  /** The kernel's OOM killer ended it. Podman on cgroup v1 never says so: there, exit code 137 may be one. */
  oomKilled: boolean;
  /** The image as `name:tag`: the repository's last path part and the tag (`ghcr.io/a/agent-node:1.2.3` → `agent-node:1.2.3`). */
  imageName: string;
  /**
   * Why it does not run yet, in the backend's words (Kubernetes: the scheduler's or the kubelet's
   * reason, e.g. `Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.`); null otherwise.
   */
  reason: string | null;
  /** When it started running (ISO), null when not running. */
  startedAt: string | null;
  uptimeSeconds: number | null;
  image: string;
  /**
   * The registry digest of the image it was created from (recorded in its labels at creation, on
   * every backend); null when that image had none (built here) or the cluster pulled it by tag.
   */
  imageDigest: string | null;
  imageVersion: string;
  workspace: string;
  branch: string | null;
  readOnly: boolean;
  /** Its egress policy and, with allowlist or learn, the hosts allowed (src/core/egress). */
  egress: { policy: EgressPolicy; allow: string[] };
  /**
   * The limits asked for; `enforced: false` (with `ignoredBecause`) when the engine holds the agent
   * to none of them (rootless on cgroup v1: limits-enforcement.ts).
   */
  limits: {
    cpus: number | null;
    memory: number | null;
    pidsLimit: number | null;
    enforced: boolean;
    ignoredBecause?: string;
  };
  /**
   * The agent's git work (every writing agent on a git checkout): its worktree (or the checkout it
   * works in), uncommitted files of a worktree, commits only on its branch, unpushed commits.
   */
  /** The labels given with `start --label` (without agentctl's namespace). */
  labels: Record<string, string>;
  worktree?: { path: string; uncommitted: number; unmerged: number; unpushed: number; upstream: string | null } | null;
}

/** The tag of a reference (`repo:1.2.3` → `1.2.3`), or the digest's start. */
export function imageVersionOf(reference: string): string {
  const at = reference.indexOf('@');
  if (at !== -1) return reference.slice(at + 1, at + 20);
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  return colon > slash ? reference.slice(colon + 1) : 'latest';
}

/** `registry/a/agent-node:1.2.3` → `agent-node:1.2.3`; a digest keeps its start (`busybox@sha256:0123456789ab`). */
export function imageNameOf(reference: string): string {
  const at = reference.indexOf('@');
  const name = at === -1 ? reference : reference.slice(0, at);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const repository = (colon > slash ? name.slice(0, colon) : name).split('/').pop() ?? name;
  if (at !== -1) return `${repository}@${reference.slice(at + 1, at + 20)}`;
  return `${repository}:${imageVersionOf(reference)}`;
}

/** How an agent that ran ended: its exit code, when, and whether the OOM killer ended it. */
function endOf(details: ContainerDetails): Pick<AgentListing, 'exitCode' | 'finishedAt' | 'oomKilled'> {
  const ended = !details.running && details.state !== 'stopping' && details.startedAt !== undefined;
  return {
    exitCode: ended ? (details.exitCode ?? null) : null,
    finishedAt: ended ? (details.finishedAt ?? null) : null,
    oomKilled: ended && details.oomKilled === true,
  };
}

/** `running`, `exited (3)`, `exited (137, OOM killed)`, `stopping` (the STATE column of `ls`). */
export function formatState(listing: Pick<AgentListing, 'state' | 'exitCode' | 'oomKilled'>): string {
  if (listing.exitCode === null) return listing.state;
  return `${listing.state} (${listing.exitCode}${listing.oomKilled ? ', OOM killed' : ''})`;
}

export function toListing(details: ContainerDetails, now: number): AgentListing {
  const image = details.labels[LABELS.image] ?? details.image;
  const started = details.running && details.startedAt ? Date.parse(details.startedAt) : Number.NaN;
  return {
    name: agentNameFromDetails(details),
    container: details.name,
    id: details.id.slice(0, 12),
    state: details.state,
    // An agent that does not run has no health: Docker keeps the last check's answer ("unhealthy").
    health: details.running ? (details.health ?? null) : null,
    ...endOf(details),
    reason: details.stateReason ?? null,
    startedAt: Number.isNaN(started) ? null : details.startedAt!,
    uptimeSeconds: Number.isNaN(started) ? null : Math.max(0, Math.round((now - started) / 1000)),
    image,
    imageDigest: getRecordedImage(details).imageDigest,
    imageVersion: imageVersionOf(image),
    imageName: imageNameOf(image),
    workspace: details.labels[LABELS.workspace] ?? '',
    branch: details.labels[LABELS.branch] ?? null,
    readOnly: details.labels[LABELS.readOnly] === 'true',
    labels: getUserLabels(details.labels),
    egress: {
      policy: getRecordedEgress(details.labels),
      allow: (details.labels[LABELS.egressAllow] ?? '').split(',').filter(Boolean),
    },
    limits: {
      cpus: details.hostConfig.nanoCpus ? details.hostConfig.nanoCpus / 1e9 : null,
      memory: details.hostConfig.memory || null,
      pidsLimit: details.hostConfig.pidsLimit > 0 ? details.hostConfig.pidsLimit : null,
      enforced: !details.labels[LABELS.limitsIgnored],
      ...(details.labels[LABELS.limitsIgnored] ? { ignoredBecause: details.labels[LABELS.limitsIgnored] } : {}),
    },
  };
}

/** Agents sorted by name; running ones only unless `all`. */
export async function listAgents(
  deps: { runtime: LookupRuntime; now?: () => number; worktrees?: AgentWorktreeDeps },
  options: { all: boolean },
): Promise<AgentListing[]> {
  const details = await lookupAllAgents(deps.runtime, options.all);
  const now = (deps.now ?? Date.now)();
  const listings = details.map((item) => toListing(item, now));
  if (deps.worktrees) {
    const worktreeDeps = deps.worktrees;
    // The git modules load only when some agent has a worktree (most listings have none).
    const inspect = details.some((item) => item.labels[LABELS.gitState])
      ? (await import('../worktree/agent-worktrees.js')).inspectWorktreeOfAgent
      : async () => undefined;
    await Promise.all(
      details.map(async (item, index) => {
        const state = await inspect(worktreeDeps, item.labels);
        const path = item.labels[LABELS.worktree] ?? item.labels[LABELS.workspace];
        listings[index]!.worktree =
          path && state
            ? {
                path,
                uncommitted: state.uncommitted.length,
                unmerged: state.unmergedCommits.length,
                unpushed: state.unpushedCommits.length,
                upstream: state.upstream ?? null,
              }
            : null;
      }),
    );
  }
  return listings.sort((a, b) => a.name.localeCompare(b.name));
}

/** `agent/x` plus what only the worktree holds: `agent/x (3 uncommitted, +2)`. */
export function formatBranch(listing: Pick<AgentListing, 'branch' | 'worktree'>): string {
  if (!listing.branch) return '-';
  const worktree = listing.worktree;
  if (!worktree) return listing.branch;
  const notes = [
    ...(worktree.uncommitted > 0 ? [`${worktree.uncommitted} uncommitted`] : []),
    ...(worktree.unmerged > 0 ? [`+${worktree.unmerged} unmerged`] : []),
    ...(worktree.unpushed > 0 ? [`${worktree.unpushed} unpushed`] : []),
  ];
  return notes.length > 0 ? `${listing.branch} (${notes.join(', ')})` : listing.branch;
}

/** 59 → "59s", 3600 → "1h0m", 90000 → "1d1h". */
export function formatUptime(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86400)}d${Math.floor((seconds % 86400) / 3600)}h`;
}
