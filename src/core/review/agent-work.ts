import { UsageError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import type { RuntimeCapabilities } from '../../runtime/container-runtime.js';
import { agentNameFromDetails, lookupAgents, type LookupRuntime } from '../agents/agent-lookup.js';
import { getGitFor, getWorktreeLocation, type AgentWorktreeDeps } from '../worktree/agent-worktrees.js';
import type { GitRunner } from '../worktree/git.js';
import type { WorktreeLocation } from '../worktree/inspect-worktree.js';
import { resolveClonedWork, type ClonedWorkRuntime } from './cloned-work.js';
import type { WorkSnapshot } from './work-trees.js';

/** What the review commands (diff, merge, apply) need from the world. */
export interface ReviewDeps {
  runtime: LookupRuntime & ClonedWorkRuntime & { readonly capabilities: RuntimeCapabilities };
  worktrees: AgentWorktreeDeps;
}

/** An agent's git work as agentctl knows it from the agent's labels (never from the agent's files). */
export interface AgentWork {
  agent: string;
  location: WorktreeLocation;
  /** The agent's files on the host: its worktree, or the checkout it works in ('' for a clone). */
  workTree: string;
  /** `clone`: the agent works in a clone of its own, off this machine (Kubernetes; cloned-work.ts). */
  mode: 'worktree' | 'checkout' | 'clone';
  /** The commit the agent's branch started at (label io.agentctl.base); undefined without commits. */
  base: string | undefined;
  /** Git as the owner of the user's repository. */
  git: GitRunner;
  /** A clone's work, brought into the user's repository (snapshotAgentWork uses it when set). */
  snapshot?: () => Promise<WorkSnapshot>;
}

/**
 * The agent's git work, from its container's labels. Refuses (usage, exit 2) an agent without a
 * branch of its own: read-only, or started outside a git checkout. On a backend that gives every
 * agent a clone of its own (Kubernetes), the work is read in the agent (cloned-work.ts).
 */
export async function resolveAgentWork(deps: ReviewDeps, name: string, command: string): Promise<AgentWork> {
  if (!deps.runtime.capabilities.bindMounts) return resolveClonedWork(deps, name, command);
  const [details] = await lookupAgents(deps.runtime, [name]);
  const labels = details!.labels;
  const agent = agentNameFromDetails(details!);
  const location = getWorktreeLocation(labels);
  if (!location) {
    const readOnly = labels[LABELS.readOnly] === 'true';
    throw new UsageError(
      'AGENT_NO_REPOSITORY',
      readOnly
        ? `Agent "${agent}" is read-only: it has no branch of its own to ${command}`
        : `Agent "${agent}" was not started in a git checkout: it has no branch of its own to ${command}`,
      {
        hint: readOnly
          ? 'A read-only agent cannot change your files; start a writing agent in your checkout to get a branch'
          : `Look at its files with \`agentctl exec ${agent} ls /workspace\`; agents started inside a git checkout get a branch agentctl can ${command}`,
        details: { agent },
      },
    );
  }
  const workTree = location.path ?? labels[LABELS.workspace] ?? '';
  return {
    agent,
    location,
    workTree,
    mode: location.path ? 'worktree' : 'checkout',
    base: labels[LABELS.base] || undefined,
    git: await getGitFor(deps.worktrees, location.commonDir),
  };
}
