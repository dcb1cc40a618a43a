import { ConflictError } from '../../shared/errors.js';
import { GitCommandError, gitFailed } from '../worktree/git.js';
import { resolveAgentWork, type AgentWork, type ReviewDeps } from './agent-work.js';
import { findUserCheckout } from './user-checkout.js';
import { diffTrees, getEmptyTree, snapshotAgentWork, type FileChange } from './work-snapshot.js';
import { summarise } from './merge-agent.js';

export interface ApplyRequest {
  cwd: string;
  /** Fall back to a three-way merge, leaving conflict markers (and the changes staged), as `git apply --3way`. */
  threeWay?: boolean;
  /** Directories that hold agents' files (agentctl's worktree directory): never a target. */
  agentDirectories: readonly string[];
}

export interface ApplyResult {
  agent: string;
  checkout: string;
  /** False when there was nothing to bring: no change, or the agent works in this checkout. */
  applied: boolean;
  /** Why nothing was applied, when nothing was. */
  reason: 'no-changes' | 'same-checkout' | null;
  /** The files changed in the checkout. */
  files: FileChange[];
}

/**
 * Brings everything agent `name` changed since it started — its commits and its uncommitted files —
 * into the user's checkout at `cwd` as uncommitted edits (no commit, no branch moves). All or
 * nothing, as `git apply` is; with `threeWay`, a conflict is left with markers (MERGE_CONFLICT-like
 * APPLY_CONFLICT, exit 8). The patch is made from trees in the user's repository (no external
 * diff, no text conversion); git applies it in the user's checkout, which refuses paths outside it
 * and paths beyond a symbolic link.
 */
export async function applyAgent(deps: ReviewDeps, name: string, request: ApplyRequest): Promise<ApplyResult> {
  const work = await resolveAgentWork(deps, name, 'apply');
  const ownFiles = work.mode === 'worktree' ? [work.workTree] : [];
  const target = await findUserCheckout(deps, work, request.cwd, [...request.agentDirectories, ...ownFiles], 'apply');
  const cwd = target.repository.checkout;
  const result: ApplyResult = { agent: work.agent, checkout: cwd, applied: false, reason: null, files: [] };
  if (target.sharesAgentFiles) return { ...result, reason: 'same-checkout' };
  const snapshot = await snapshotAgentWork(work);
  const commonDir = work.location.commonDir;
  let patch: string;
  try {
    const from =
      (await getAppliedPart(target.git, cwd, work, snapshot.head)) ?? (await getEmptyTree(work.git, commonDir));
    result.files = await diffTrees(work.git, commonDir, from, snapshot.tree);
    if (result.files.length === 0) return { ...result, reason: 'no-changes' };
    patch = await work.git(
      ['diff', '--binary', '--full-index', '--no-ext-diff', '--no-textconv', '--no-color', from, snapshot.tree, '--'],
      { cwd: commonDir },
    );
  } catch (error) {
    if (error instanceof GitCommandError) throw gitFailed(`Reading the work of agent ${work.agent}`, commonDir, error);
    throw error;
  }
  try {
    await target.git(['apply', '--whitespace=nowarn', ...(request.threeWay ? ['--3way'] : []), '-'], {
      cwd,
      input: `${patch}\n`,
    });
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    throw await applyFailure(target.git, cwd, work, Boolean(request.threeWay), error);
  }
  return { ...result, applied: true };
}

async function applyFailure(
  git: AgentWork['git'],
  cwd: string,
  work: AgentWork,
  threeWay: boolean,
  error: GitCommandError,
): Promise<ConflictError> {
  const lines = error.stderr.trim().split('\n').filter(Boolean);
  if (threeWay) {
    const conflicts = (await git(['diff', '--name-only', '--diff-filter=U', '-z'], { cwd }).catch(() => ''))
      .split('\0')
      .filter((file) => file.length > 0);
    if (conflicts.length > 0) {
      return new ConflictError(
        'APPLY_CONFLICT',
        `Agent ${work.agent}'s changes conflict with your checkout in ${conflicts.length} file(s): ${summarise(conflicts)}; the conflicts are marked in them`,
        {
          hint: 'Resolve the marked conflicts and `git add` the files (or `git checkout -m FILE` to start a file over)',
          details: { agent: work.agent, checkout: cwd, conflicts, left: true },
          cause: error,
        },
      );
    }
  }
  // git apply checks every hunk before it writes anything: nothing was changed.
  const files = [...new Set(lines.map(fileOfApplyError).filter((file): file is string => file !== undefined))];
  return new ConflictError(
    'APPLY_CONFLICT',
    `Agent ${work.agent}'s changes do not apply to your checkout${files.length > 0 ? ` (${summarise(files)})` : ''}: ${(lines.find((line) => line.startsWith('error:')) ?? lines.pop() ?? 'git apply failed').replace(/^error: /, '')}`,
    {
      hint: threeWay
        ? `Nothing was changed. See \`git -C "${cwd}" status\` and run again`
        : `Nothing was changed. Commit or stash your own edits to those files, or run \`agentctl apply --3way ${work.agent}\` to get conflict markers`,
      details: { agent: work.agent, checkout: cwd, files, left: false, git: lines },
      cause: error,
    },
  );
}

/** The file a line of `git apply`'s refusal names (`error: patch failed: a.txt:3`, `error: a.txt: already exists …`). */
function fileOfApplyError(line: string): string | undefined {
  return /^error: patch failed: (.+):\d+$/.exec(line)?.[1] ?? /^error: (.+?): [^:]+$/.exec(line)?.[1];
}

/**
 * Where the changes to bring start: the agent's base, or — when the checkout already has some of
 * the agent's commits (an earlier `agentctl merge`) — the last of them the checkout has, so that
 * apply after merge brings only the rest.
 */
async function getAppliedPart(
  git: AgentWork['git'],
  cwd: string,
  work: AgentWork,
  head: string | undefined,
): Promise<string | undefined> {
  if (!head) return work.base;
  const mergeBase = await git(['merge-base', 'HEAD', head], { cwd }).catch(() => undefined);
  if (!mergeBase) return work.base;
  if (!work.base) return mergeBase;
  const after = await git(['merge-base', '--is-ancestor', work.base, mergeBase], { cwd }).then(
    () => true,
    () => false,
  );
  return after ? mergeBase : work.base;
}
