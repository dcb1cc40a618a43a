import { ConflictError } from '../errors.js';
import { LABELS } from '../labels.js';
import { agentNameFromDetails, lookupAgents, lookupAllAgents } from './agent-lookup.js';
import { homeVolumeName } from './agent-name.js';
import { checkSelection, type AgentSelection, type LifecycleRuntime } from './stop-agent.js';
import { checkAgentWorktreesRemovable, removeWorktreeOfAgent, type AgentWorktreeDeps } from '../worktree/agent-worktrees.js';

export interface RemoveResult {
  name: string;
  /** The home volume removed with it (--volumes), if any. */
  volume: string | null;
  /**
   * The agent's git state, removed with it: its worktree (path; empty when it worked in the
   * checkout), its repository, and its branch unless --keep-branch (or the reason it was kept).
   * `dropped`: commits --force left on no ref (recoverable with `git branch NAME SHA` until gc).
   */
  worktree?: { path: string; branch: string; deletedBranch: boolean; branchKeptReason: string | null; dropped: string[] };
}

/**
 * Removes agents. A running agent is refused (AGENT_RUNNING, exit 8) unless `force`; nothing is
 * removed when any named agent is refused or unknown. `volumes` also deletes each agent's home.
 */
export async function removeAgents(
  deps: { runtime: LifecycleRuntime; worktrees?: AgentWorktreeDeps },
  selection: AgentSelection & { force: boolean; volumes: boolean; keepBranch?: boolean },
): Promise<RemoveResult[]> {
  checkSelection(selection, 'rm');
  const targets = selection.all ? await lookupAllAgents(deps.runtime, true) : await lookupAgents(deps.runtime, selection.names);
  const running = targets.filter((details) => details.running).map(agentNameFromDetails);
  if (running.length > 0 && !selection.force) {
    throw new ConflictError('AGENT_RUNNING', `Agent ${running.join(', ')} ${running.length === 1 ? 'is' : 'are'} running`, {
      hint: `Stop it first (\`agentctl stop ${running.join(' ')}\`) or pass --force`,
      details: { agents: running },
    });
  }
  // Worktrees: refuse before removing anything when work would be lost (exit 9, unless --force).
  const worktreeOptions = { force: selection.force, keepBranch: Boolean(selection.keepBranch) };
  const agents = targets.map((details) => ({ name: agentNameFromDetails(details), labels: details.labels }));
  if (deps.worktrees) await checkAgentWorktreesRemovable(deps.worktrees, agents, worktreeOptions);
  return Promise.all(
    targets.map(async (details, index): Promise<RemoveResult> => {
      const name = agentNameFromDetails(details);
      await deps.runtime.removeContainer(details.id, { force: selection.force });
      const removedWorktree = deps.worktrees ? await removeWorktreeOfAgent(deps.worktrees, agents[index]!, worktreeOptions) : undefined;
      const worktree = removedWorktree
        ? {
            worktree: {
              path: removedWorktree.path,
              branch: removedWorktree.branch,
              deletedBranch: removedWorktree.deletedBranch,
              branchKeptReason: removedWorktree.branchKeptReason ?? null,
              dropped: removedWorktree.dropped.map((commit) => commit.sha),
            },
          }
        : {};
      if (!selection.volumes) return { name, volume: null, ...worktree };
      const volume = homeVolumeName(name);
      const info = await deps.runtime.inspectVolume(volume);
      if (!info || info.labels[LABELS.managed] !== 'true') return { name, volume: null, ...worktree };
      await deps.runtime.removeVolume(volume);
      return { name, volume, ...worktree };
    }),
  );
}
