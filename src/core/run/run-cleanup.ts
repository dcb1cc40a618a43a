import { LABELS } from '../../shared/labels.js';
import type { PendingAgent } from '../agents/start-agent-types.js';
import { removeWorktreeOfAgent, type AgentWorktreeDeps } from '../worktree/agent-worktrees.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { WorktreeReport } from './run-result.js';

export interface CleanupDeps {
  worktrees: AgentWorktreeDeps;
  log(message: string): void;
}

/**
 * `run --rm`: removes the container and its home volume, then the worktree directory, unless it
 * holds uncommitted files. The branch stays whenever it has new commits (or was not made for this
 * run); an empty branch made for the run goes with its worktree. Returns the report updated.
 */
export async function removeRunLeftovers(
  deps: CleanupDeps,
  runtime: Pick<ContainerRuntime, 'removeContainer' | 'removeVolume' | 'inspectVolume'>,
  run: {
    pending: Pick<PendingAgent, 'id' | 'name' | 'volume'>;
    labels: Record<string, string>;
    worktree?: WorktreeReport;
    keepBranch: boolean;
  },
): Promise<WorktreeReport | undefined> {
  await runtime
    .removeContainer(run.pending.id, { force: true })
    .catch((error: unknown) => deps.log(`could not remove the container: ${(error as Error).message}`));
  const volume = await runtime.inspectVolume(run.pending.volume).catch(() => undefined);
  if (volume?.labels[LABELS.managed] === 'true') {
    await runtime
      .removeVolume(run.pending.volume)
      .catch((error: unknown) => deps.log(`kept the volume ${run.pending.volume}: ${(error as Error).message}`));
  }
  const report = run.worktree;
  if (!report) return undefined;
  if (report.uncommitted.length > 0) {
    deps.log(`kept the worktree ${report.path}: it holds uncommitted files`);
    return report;
  }
  const keepBranch = run.keepBranch || report.commits.length > 0;
  try {
    await removeWorktreeOfAgent(
      deps.worktrees,
      { name: run.pending.name, labels: run.labels },
      { force: false, keepBranch },
    );
    deps.log(
      `removed the worktree ${report.path}${keepBranch ? ` (kept branch ${report.branch})` : ` and the empty branch ${report.branch}`}`,
    );
    const { path: _removed, ...rest } = report;
    return rest;
  } catch (error) {
    deps.log(`kept the worktree ${report.path}: ${(error as Error).message}`);
    return report;
  }
}
