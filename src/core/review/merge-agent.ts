import { ConflictError } from '../../shared/errors.js';
import { GitCommandError, gitFailed, type GitRunner } from '../worktree/git.js';
import { getFiltersOff } from '../worktree/filters-off.js';
import { resolveAgentWork, type AgentWork, type ReviewDeps } from './agent-work.js';
import { findUserCheckout } from './user-checkout.js';
import { getEmptyTree, snapshotAgentWork, treeOf, type FileChange } from './work-snapshot.js';
import { listAgentCommits, type AgentCommit } from './diff-agent.js';

export interface MergeRequest {
  /** Where the user runs the command: its checkout receives the agent's commits. */
  cwd: string;
  /** Replay the agent's commits on the current branch (linear history) instead of merging. */
  rebase?: boolean;
  /** Always make a merge commit, even when a fast-forward would do. */
  noFastForward?: boolean;
  /** Directories that hold agents' files (agentctl's worktree directory): never a target. */
  agentDirectories: readonly string[];
}

export type MergeMethod = 'merge' | 'fast-forward' | 'rebase' | 'up-to-date';

export interface MergeResult {
  agent: string;
  /** The agent's branch. */
  branch: string;
  /** The user's checkout and its current branch (null when HEAD is detached). */
  checkout: string;
  into: string | null;
  method: MergeMethod;
  /** The checkout's HEAD afterwards. */
  head: string | null;
  /** The agent's commits brought in. */
  commits: AgentCommit[];
  /** The agent's uncommitted files, which merge does not bring (apply does). */
  uncommitted: FileChange[];
}

/**
 * Merges (or with `rebase`, replays) agent `name`'s commits into the current branch of the user's
 * checkout at `cwd`. Refuses a checkout with uncommitted changes; a conflict is left as git leaves
 * it and reported as MERGE_CONFLICT (exit 8) with the files. Git runs in the user's checkout only,
 * with hooks and fsmonitor off (HOST_GIT_CONFIG); the agent's commits arrive by fetch first.
 */
export async function mergeAgent(deps: ReviewDeps, name: string, request: MergeRequest): Promise<MergeResult> {
  const work = await resolveAgentWork(deps, name, 'merge');
  const target = await findUserCheckout(
    deps,
    work,
    request.cwd,
    [...request.agentDirectories, ...ownFiles(work)],
    'merge',
  );
  const snapshot = await snapshotAgentWork(work);
  const { git } = target;
  const cwd = target.repository.checkout;
  try {
    const current = await resolve(git, cwd, 'HEAD');
    const into = await git(['symbolic-ref', '-q', '--short', 'HEAD'], { cwd }).catch(() => '');
    const result: MergeResult = {
      agent: work.agent,
      branch: work.location.branch,
      checkout: cwd,
      into: into || null,
      method: 'up-to-date',
      head: current ?? null,
      commits: [],
      uncommitted: snapshot.uncommitted,
    };
    const head = snapshot.head;
    if (!head || (current && (await isAncestor(git, cwd, head, current)))) return result;
    result.commits = await listAgentCommits(git, cwd, current, head);
    if (target.sharesAgentFiles) return await fastForwardShared(git, cwd, work, head, current, result);

    const dirty = await git(['status', '--porcelain', '-z', '--untracked-files=no'], { cwd });
    if (dirty.length > 0) {
      const files = dirty
        .split('\0')
        .filter((entry) => entry.length > 3)
        .map((entry) => entry.slice(3));
      throw new ConflictError('CHECKOUT_DIRTY', `Your checkout ${cwd} has uncommitted changes (${summarise(files)})`, {
        hint: `Commit or stash them first (\`git stash\`), then run \`agentctl merge ${work.agent}\` again`,
        details: { checkout: cwd, files },
      });
    }
    const rebase = Boolean(request.rebase) && current !== undefined;
    try {
      if (rebase) {
        const picks = (
          await git(['rev-list', '--reverse', '--right-only', '--cherry-pick', '--no-merges', `HEAD...${head}`], {
            cwd,
          })
        )
          .split('\n')
          .filter((line) => line.length > 0);
        if (picks.length === 0) return result;
        await git(['cherry-pick', '--allow-empty', '--keep-redundant-commits', ...picks], { cwd });
      } else {
        const message = `Merge agent ${work.agent} (${work.location.branch})`;
        await git(['merge', '--no-edit', ...(request.noFastForward ? ['--no-ff'] : []), '-m', message, head], { cwd });
      }
    } catch (error) {
      if (!(error instanceof GitCommandError)) throw error;
      throw await failure(git, cwd, work, rebase ? 'rebase' : 'merge', error);
    }
    result.head = (await resolve(git, cwd, 'HEAD')) ?? null;
    result.method = rebase ? 'rebase' : result.head === head ? 'fast-forward' : 'merge';
    return result;
  } catch (error) {
    if (error instanceof GitCommandError) throw gitFailed(`Merging agent ${work.agent}`, cwd, error);
    throw error;
  }
}

/** The agent's own worktree (worktree mode): its files, never a checkout to merge into. */
function ownFiles(work: AgentWork): string[] {
  return work.mode === 'worktree' ? [work.workTree] : [];
}

/**
 * The agent works in this very checkout: its files are the checkout's already. Only a fast-forward
 * fits: the current branch moves to the agent's HEAD and the index follows, no file is touched.
 */
async function fastForwardShared(
  git: GitRunner,
  cwd: string,
  work: AgentWork,
  head: string,
  current: string | undefined,
  result: MergeResult,
): Promise<MergeResult> {
  if (result.uncommitted.length > 0) {
    throw new ConflictError(
      'AGENT_UNCOMMITTED',
      `Agent "${work.agent}" works in this checkout and has not committed ${result.uncommitted.length} file(s) (${summarise(result.uncommitted.map((file) => file.path))})`,
      {
        hint: `Have it commit them (\`agentctl exec ${work.agent} git commit -am "…"\`) and merge again; they are in your files already either way`,
        details: { checkout: cwd, uncommitted: result.uncommitted.map((file) => file.path) },
      },
    );
  }
  if (current && !(await isAncestor(git, cwd, current, head))) {
    throw new ConflictError(
      'MERGE_NOT_FAST_FORWARD',
      `Agent "${work.agent}" works in this checkout, and your branch has commits its branch does not: only a fast-forward is possible here`,
      {
        hint: `Merge from another checkout of the repository (\`git worktree add ../review && cd ../review && agentctl merge ${work.agent}\`)`,
        details: { checkout: cwd },
      },
    );
  }
  // The index must hold nothing of the user's own: it is either the branch's tree or the agent's.
  // The files are the agent's: no filter driver runs on them (see getFiltersOff).
  const filtersOff = await getFiltersOff(git, cwd);
  const index = await git([...filtersOff, 'write-tree'], { cwd }).catch(() => undefined);
  const allowed = [
    current ? await treeOf(git, cwd, current) : await getEmptyTree(git, cwd),
    await treeOf(git, cwd, head),
  ];
  if (!index || !allowed.includes(index)) {
    throw new ConflictError('CHECKOUT_DIRTY', `Your checkout ${cwd} has staged changes of its own`, {
      hint: `Commit or unstage them (\`git restore --staged .\`), then run \`agentctl merge ${work.agent}\` again`,
      details: { checkout: cwd, files: [] },
    });
  }
  await git(['update-ref', '-m', `agentctl merge ${work.agent}: fast-forward`, 'HEAD', head, current ?? ''], { cwd });
  await git([...filtersOff, 'read-tree', '-m', head], { cwd });
  await git([...filtersOff, 'update-index', '-q', '--refresh'], { cwd }).catch(() => undefined);
  return { ...result, method: 'fast-forward', head };
}

async function failure(
  git: GitRunner,
  cwd: string,
  work: AgentWork,
  operation: 'merge' | 'rebase',
  error: GitCommandError,
): Promise<ConflictError> {
  const conflicts = (await git(['diff', '--name-only', '--diff-filter=U', '-z'], { cwd }).catch(() => ''))
    .split('\0')
    .filter((file) => file.length > 0);
  if (conflicts.length > 0) {
    const [next, abort] =
      operation === 'rebase'
        ? ['git cherry-pick --continue', 'git cherry-pick --abort']
        : ['git commit', 'git merge --abort'];
    return new ConflictError(
      'MERGE_CONFLICT',
      `${operation === 'rebase' ? 'Replaying' : 'Merging'} agent ${work.agent}'s work stopped at a conflict in ${conflicts.length} file(s): ${summarise(conflicts)}`,
      {
        hint: `Resolve them in ${cwd}, \`git add\` them and run \`${next}\`; or \`${abort}\` to go back`,
        details: { agent: work.agent, checkout: cwd, operation, conflicts },
        cause: error,
      },
    );
  }
  const detail = error.stderr.trim().split('\n').filter(Boolean);
  return new ConflictError(
    'MERGE_FAILED',
    `git refused to ${operation === 'rebase' ? 'replay' : 'merge'} agent ${work.agent}'s work: ${detail.find((line) => /^(error|fatal):/.test(line)) ?? detail.pop() ?? 'git error'}`,
    {
      hint: `See \`git -C "${cwd}" status\`, fix what git names, and run \`agentctl merge ${work.agent}\` again`,
      details: { agent: work.agent, checkout: cwd, operation, git: detail },
      cause: error,
    },
  );
}

async function resolve(git: GitRunner, cwd: string, ref: string): Promise<string | undefined> {
  return git(['rev-parse', '-q', '--verify', '--end-of-options', `${ref}^{commit}`], { cwd }).catch(() => undefined);
}

async function isAncestor(git: GitRunner, cwd: string, ancestor: string, descendant: string): Promise<boolean> {
  return git(['merge-base', '--is-ancestor', ancestor, descendant], { cwd }).then(
    () => true,
    (error: unknown) => {
      if (error instanceof GitCommandError && error.exitCode === 1) return false;
      throw error;
    },
  );
}

export function summarise(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
