import { ConflictError, EngineError, UnsafeOperationError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import { agentNameFromDetails, lookupAgents, lookupAllAgents } from './agent-lookup.js';
import { homeVolumeName } from './agent-name.js';
import { holdsClone } from './prune.js';
import { checkSelection, isLive, type AgentSelection, type LifecycleRuntime } from './stop-agent.js';
import type { ProcessProbe } from './container-process.js';
import type { ContainerDetails } from '../../runtime/container-operations.js';
import {
  checkAgentWorktreesRemovable,
  removeWorktreeOfAgent,
  type AgentWorktreeDeps,
} from '../worktree/agent-worktrees.js';

export interface RemoveResult {
  name: string;
  /** The home volume removed with it (--volumes), if any. */
  volume: string | null;
  /**
   * Kubernetes, `rm --force --volumes` of a running agent with a clone: its work, brought into
   * your repository before its claim went (`ref` names it; `error` when it could not be read).
   */
  savedWork?: { ref: string; commit: string } | { error: string };
  /**
   * The agent's git state, removed with it: its worktree (path; empty when it worked in the
   * checkout), its repository, and its branch unless --keep-branch (or the reason it was kept).
   * `dropped`: commits --force left on no ref (recoverable with `git branch NAME SHA` until gc).
   */
  worktree?: {
    path: string;
    branch: string;
    deletedBranch: boolean;
    branchExisted: boolean;
    branchKeptReason: string | null;
    dropped: string[];
  };
}

/** `rm --force --volumes` of many agents with clones: how many works are brought back at once. */
const SAVES_AT_ONCE = 8;

/**
 * Removes agents. A running agent is refused (AGENT_RUNNING, exit 8) unless `force`; nothing is
 * removed when any named agent is refused or unknown. `volumes` also deletes each agent's home.
 */
export async function removeAgents(
  deps: {
    runtime: LifecycleRuntime;
    worktrees?: AgentWorktreeDeps;
    /** Where the engine runs on this machine: whether a removed agent's process still runs. */
    processProbe?: ProcessProbe;
    sleep?: (ms: number) => Promise<void>;
    /** A removed agent of a gateway policy leaves its egress gateway (agent-egress.ts). */
    unregisterEgress?: (name: string, labels: Readonly<Record<string, string>>) => Promise<void>;
    /** The backend keeps each agent's workspace clone on its state volume (Kubernetes; see prune.ts). */
    clones?: boolean;
    /** Brings a running agent's work into the user's repository (review/cloned-work.ts) before --force --volumes. */
    saveWork?: (name: string) => Promise<{ ref: string; commit: string }>;
  },
  selection: AgentSelection & { force: boolean; volumes: boolean; keepBranch?: boolean },
): Promise<RemoveResult[]> {
  checkSelection(selection, 'rm');
  const targets = selection.all
    ? await lookupAllAgents(deps.runtime, true)
    : await lookupAgents(deps.runtime, selection.names);
  const running = targets.filter(isLive).map(agentNameFromDetails);
  if (running.length > 0 && !selection.force) {
    throw new ConflictError(
      'AGENT_RUNNING',
      `Agent ${running.join(', ')} ${running.length === 1 ? 'is' : 'are'} running`,
      {
        hint: `Stop it first (\`agentctl stop ${running.join(' ')}\`) or pass --force`,
        details: { agents: running },
      },
    );
  }
  // Kubernetes: --volumes would delete the clone, which nothing here can read (exit 9, unless --force).
  const clones =
    deps.clones && selection.volumes && !selection.force ? targets.filter((d) => holdsClone(d.labels)) : [];
  if (clones.length > 0) {
    const names = clones.map(agentNameFromDetails);
    throw new UnsafeOperationError(
      'AGENT_CLONE_MAY_HOLD_WORK',
      `--volumes would delete the workspace clone of ${names.join(', ')}, which may hold work not brought back`,
      {
        hint: `Start it and bring its work back (\`agentctl start ${names[0]}\`, then \`agentctl merge ${names[0]}\` or \`apply\`); or remove it without --volumes (\`agentctl start ${names[0]}\` later finds its clone again); or pass --force to drop it`,
        details: { agents: names },
      },
    );
  }
  // Worktrees: refuse before removing anything when work would be lost (exit 9, unless --force).
  const worktreeOptions = { force: selection.force, keepBranch: Boolean(selection.keepBranch) };
  const agents = targets.map((details) => ({ name: agentNameFromDetails(details), labels: details.labels }));
  if (deps.worktrees) await checkAgentWorktreesRemovable(deps.worktrees, agents, worktreeOptions);
  // --force --volumes of a running agent with a clone: what it did is kept before its claim goes.
  const saved = new Map<string, NonNullable<RemoveResult['savedWork']>>();
  if (deps.clones && deps.saveWork && selection.force && selection.volumes) {
    const save = deps.saveWork;
    const queue = targets.filter((item) => isLive(item) && holdsClone(item.labels)).map(agentNameFromDetails);
    // A few at a time: each is an exec in its Pod and a git index-pack here.
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift())
        saved.set(name, await save(name).catch((error: unknown) => ({ error: (error as Error).message })));
    };
    await Promise.all(Array.from({ length: Math.min(SAVES_AT_ONCE, queue.length) }, worker));
  }
  return Promise.all(
    targets.map(async (details, index): Promise<RemoveResult> => {
      const name = agentNameFromDetails(details);
      const savedWork = saved.get(name);
      if (isLive(details)) {
        // Kill first: Podman's forced remove of a "stopping" container drops it from its list
        // while its process runs on. Whatever the answer, confirmGone below has the last word.
        await deps.runtime.stopContainer(details.id, 0).catch(() => undefined);
      }
      await deps.runtime.removeContainer(details.id, { force: selection.force });
      if (isLive(details)) await confirmGone(deps, details, name);
      // Its token and the real values of its secrets stop working with it.
      await deps.unregisterEgress?.(name, details.labels);
      const removedWorktree = deps.worktrees
        ? await removeWorktreeOfAgent(deps.worktrees, agents[index]!, worktreeOptions)
        : undefined;
      const worktree = removedWorktree
        ? {
            worktree: {
              path: removedWorktree.path,
              branch: removedWorktree.branch,
              deletedBranch: removedWorktree.deletedBranch,
              branchExisted: removedWorktree.branchExisted,
              branchKeptReason: removedWorktree.branchKeptReason ?? null,
              dropped: removedWorktree.dropped.map((commit) => commit.sha),
            },
          }
        : {};
      if (!selection.volumes) return { name, volume: null, ...worktree };
      const volume = homeVolumeName(name);
      const info = await deps.runtime.inspectVolume(volume);
      const kept = savedWork ? { savedWork } : {};
      if (!info || info.labels[LABELS.managed] !== 'true') return { name, volume: null, ...kept, ...worktree };
      await deps.runtime.removeVolume(volume);
      return { name, volume, ...kept, ...worktree };
    }),
  );
}

/**
 * A removed agent's process must be gone, not only its container record: the engine is asked
 * again, and where it runs on this machine the process itself is looked at (for a few seconds,
 * while the kill is reaped). AGENT_STILL_RUNNING (exit 5) otherwise, with its pid.
 */
async function confirmGone(
  deps: { runtime: LifecycleRuntime; processProbe?: ProcessProbe; sleep?: (ms: number) => Promise<void> },
  details: ContainerDetails,
  name: string,
): Promise<void> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pid = details.pid;
  for (let attempt = 0; ; attempt += 1) {
    const after = await deps.runtime.inspectContainer(details.id);
    const listed = after !== undefined && isLive(after);
    const alive = !listed && pid !== undefined && deps.processProbe ? await deps.processProbe(pid, details.id) : false;
    if (!listed && !alive) return;
    if (attempt >= 20) {
      throw new EngineError(
        'AGENT_STILL_RUNNING',
        `The engine reported agent ${name} removed, but its process${pid ? ` ${pid}` : ''} still runs`,
        {
          hint: pid
            ? `Kill it on the engine's host (\`kill -9 ${pid}\` as its owner or root), then check \`agentctl ls --all\`; restarting the engine's service also ends it`
            : `Restart the engine's service to end it, then check \`agentctl ls --all\``,
          details: { agent: name, ...(pid ? { pid } : {}), state: after?.state ?? 'removed' },
        },
      );
    }
    await sleep(250);
  }
}
