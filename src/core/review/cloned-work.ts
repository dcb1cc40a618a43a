import type { StreamOperations } from '../../runtime/stream-operations.js';
import { FrameDemuxer } from '../../io/demux.js';
import { ConflictError, EngineError, UsageError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import { agentNameFromDetails, lookupAgents, type LookupRuntime } from '../agents/agent-lookup.js';
import { getGitFor, type AgentWorktreeDeps } from '../worktree/agent-worktrees.js';
import { getAgentRefPrefix, updateRefs } from '../worktree/agent-repository.js';
import { findRepository } from '../worktree/find-repository.js';
import { GitCommandError, gitFailed, type GitRunner } from '../worktree/git.js';
import type { WorktreeLocation } from '../worktree/inspect-worktree.js';
import { diffTrees, getEmptyTree, treeOf, type WorkSnapshot } from './work-trees.js';

// Kubernetes: the agent works in a clone inside its Pod, not in files on this machine. Its work is
// brought back as git objects: a fixed script, run in the agent's container, records its files as
// a commit on top of its HEAD (with a throw-away index: the agent's own index and refs are left as
// they are) and prints a pack of what the user's repository lacks; agentctl stores that pack in the
// user's repository with `git index-pack --strict` and names it with hidden refs. Git on this
// machine only ever reads the pack as data: nothing of the agent's repository, config or hooks.

/** The largest pack agentctl takes from an agent (its commits and files since its base). */
export const MAX_EXPORT_BYTES = 1024 * 1024 * 1024;

/**
 * Runs in the agent's container as the agent: `sh -c EXPORT_SCRIPT agentctl-export DIR [COMMIT…]`.
 * Prints the pack on stdout and `agentctl-work SHA` (and `agentctl-skipped PATH` for each nested
 * repository left out) on stderr. The COMMITs are what the user's repository has already (the
 * agent's base, the user's HEAD): those the clone has too are left out of the pack.
 */
export const EXPORT_SCRIPT = [
  'set -eu',
  'cd "$1"',
  'shift',
  // The snapshot commit is the same for the same files: the same objects, not a new pack each time.
  "export GIT_AUTHOR_NAME=agentctl GIT_AUTHOR_EMAIL=agentctl@localhost GIT_AUTHOR_DATE='@0 +0000'",
  "export GIT_COMMITTER_NAME=agentctl GIT_COMMITTER_EMAIL=agentctl@localhost GIT_COMMITTER_DATE='@0 +0000'",
  'index=$(mktemp)',
  'trap \'rm -f "$index"\' EXIT',
  'real=$(git rev-parse --git-path index)',
  // A copy of the agent's index keeps its file stats: only what changed is read again.
  'if [ -f "$real" ]; then cp "$real" "$index"; else rm -f "$index"; fi',
  'export GIT_INDEX_FILE="$index"',
  "head=$(git rev-parse -q --verify 'HEAD^{commit}' || true)",
  'git add -A',
  'empty=$(git hash-object -w -t tree /dev/null)',
  // A nested repository would be a gitlink whose content is not in this repository: left out.
  'git -c core.quotePath=false diff-index --cached --diff-filter=A "${head:-$empty}" | grep \'^:000000 160000 \' | cut -f2- |',
  '  while IFS= read -r nested; do git update-index --force-remove -- "$nested"; echo "agentctl-skipped $nested" >&2; done',
  'tree=$(git write-tree)',
  'work=$(git commit-tree ${head:+-p "$head"} -m "agentctl: the work of the agent" "$tree")',
  'echo "agentctl-work $work" >&2',
  '{ echo "$work"; for have in "$@"; do if git cat-file -e "$have^{commit}" 2>/dev/null; then echo "^$have"; fi; done; } |',
  '  git pack-objects --stdout --thin --revs --quiet',
].join('\n');

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

export type ClonedWorkRuntime = LookupRuntime & Pick<StreamOperations, 'createExec' | 'startExec' | 'inspectExec'>;

/** An agent's work in a clone of its own: what agent-work.ts's AgentWork holds for it. */
export interface ClonedWork {
  agent: string;
  location: WorktreeLocation;
  workTree: '';
  mode: 'clone';
  /** The commit it was cloned at; for an agent made before agentctl recorded it, found by the snapshot. */
  base: string | undefined;
  git: GitRunner;
  snapshot: () => Promise<WorkSnapshot>;
}

/**
 * The git work of an agent that works in a clone of its own (Kubernetes): the user's repository is
 * the checkout it was started from (label io.agentctl.workspace), its base the commit it was
 * cloned at (io.agentctl.base). Its Pod must run: the files are read there.
 */
export async function resolveClonedWork(
  deps: { runtime: ClonedWorkRuntime; worktrees: AgentWorktreeDeps },
  name: string,
  command: string,
): Promise<ClonedWork> {
  const [details] = await lookupAgents(deps.runtime, [name]);
  const labels = details!.labels;
  const agent = agentNameFromDetails(details!);
  const checkout = labels[LABELS.workspace];
  if (!checkout || labels[LABELS.readOnly] === 'true') {
    throw new UsageError(
      'AGENT_NO_REPOSITORY',
      checkout
        ? `Agent "${agent}" is read-only: it has no branch of its own to ${command}`
        : `Agent "${agent}" was not started in a git checkout: it has no branch of its own to ${command}`,
      { hint: `Look at its files with \`agentctl exec ${agent} ls /workspace\``, details: { agent } },
    );
  }
  const git = await getGitFor(deps.worktrees, checkout).catch(() => undefined);
  const repository = git ? await findRepository(git, checkout).catch(() => undefined) : undefined;
  if (!git || !repository) {
    throw new UsageError(
      'AGENT_NO_REPOSITORY',
      `Agent "${agent}" was started from ${checkout}, which is not a git checkout on this machine`,
      {
        hint: `Run \`agentctl ${command} ${agent}\` on the machine that started it, or have the agent push its branch (\`agentctl exec ${agent} git push origin HEAD:agent/${agent}\`)`,
        details: { agent, checkout },
      },
    );
  }
  if (details!.state !== 'running') {
    throw new ConflictError(
      'AGENT_NOT_RUNNING',
      `Agent "${agent}" is not running (${details!.state}): on Kubernetes its files are read in its Pod`,
      {
        hint: `Start it (\`agentctl start ${agent}\`) and run \`agentctl ${command} ${agent}\` again`,
        details: { agent },
      },
    );
  }
  const work: ClonedWork = {
    agent,
    location: { agent, commonDir: repository.commonDir, branch: labels[LABELS.branch] || 'HEAD', stateDir: '' },
    workTree: '',
    mode: 'clone',
    base: labels[LABELS.base] || undefined,
    git,
    snapshot: () => snapshotClonedWork(work, (have) => exportFromAgent(deps.runtime, details!.id, agent, have)),
  };
  return work;
}

/** What the export script gave: the pack, the snapshot commit and the nested repositories left out. */
export interface ClonedExport {
  pack: Buffer;
  work: string;
  skipped: string[];
}

/** Runs EXPORT_SCRIPT in the agent's container; its pack and report (stdout and stderr kept apart). */
export async function exportFromAgent(
  runtime: Pick<StreamOperations, 'createExec' | 'startExec' | 'inspectExec'>,
  id: string,
  agent: string,
  have: readonly string[],
): Promise<ClonedExport> {
  const command = [
    'sh',
    '-c',
    EXPORT_SCRIPT,
    'agentctl-export',
    '/workspace',
    ...have.filter((c) => OBJECT_ID.test(c)),
  ];
  const execId = await runtime.createExec(id, { command, tty: false, stdin: false });
  const stream = await runtime.startExec(execId, { tty: false, stdin: false });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  const demuxer = new FrameDemuxer((which, data) => {
    if (which === 'stderr') {
      if (stderr.length < 1000) stderr.push(data);
      return;
    }
    size += data.length;
    if (size > MAX_EXPORT_BYTES) {
      tooLarge = true;
      stream.destroy();
      return;
    }
    stdout.push(data);
  });
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => demuxer.push(chunk));
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', (error) => (tooLarge ? resolve() : reject(error)));
  });
  if (tooLarge) {
    throw new ConflictError(
      'AGENT_WORK_TOO_LARGE',
      `The work of agent "${agent}" is larger than ${MAX_EXPORT_BYTES / 1024 / 1024} MiB: agentctl does not bring it back`,
      {
        hint: `Have the agent push its branch (\`agentctl exec ${agent} git push origin HEAD:agent/${agent}\`), or leave large files out of its work (.gitignore)`,
        details: { agent },
      },
    );
  }
  let state = await runtime.inspectExec(execId);
  for (let attempt = 0; state.running && attempt < 50; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    state = await runtime.inspectExec(execId);
  }
  const report = Buffer.concat(stderr).toString('utf8');
  const lines = report.split('\n');
  const work = lines
    .filter((line) => line.startsWith('agentctl-work '))
    .map((line) => line.slice('agentctl-work '.length).trim())
    .pop();
  if (state.exitCode !== 0 || !work || !OBJECT_ID.test(work)) {
    const said = lines
      .filter((line) => line.trim() && !line.startsWith('agentctl-'))
      .pop()
      ?.trim();
    throw new EngineError(
      'AGENT_WORK_UNREADABLE',
      `Could not read the work of agent "${agent}" in its Pod (exit ${state.exitCode ?? 'unknown'})${said ? `: ${said.slice(0, 200)}` : ''}`,
      {
        hint: `Check its repository: \`agentctl exec ${agent} git -C /workspace status\` (the image needs git, sh and mktemp)`,
        details: { agent, exitCode: state.exitCode ?? null },
      },
    );
  }
  const skipped = lines
    .filter((line) => line.startsWith('agentctl-skipped '))
    .map((line) => line.slice('agentctl-skipped '.length));
  return { pack: Buffer.concat(stdout), work, skipped };
}

/**
 * The agent's work, brought into the user's repository: the pack stored (`index-pack --strict`:
 * git checks every object, and refuses a pack that needs objects the repository lacks), then
 * `refs/agentctl/<agent>/work` (its files as a commit) and `…/head` (its HEAD, that commit's parent).
 */
export async function snapshotClonedWork(
  work: ClonedWork,
  read: (have: readonly string[]) => Promise<ClonedExport>,
): Promise<WorkSnapshot> {
  const { git } = work;
  const cwd = work.location.commonDir;
  const have = [work.base, await userHead(git, cwd)].filter((commit): commit is string => Boolean(commit));
  const exported = await read([...new Set(have)]);
  try {
    await git(['index-pack', '--stdin', '--fix-thin', '--strict'], { cwd, input: exported.pack });
    await git(['rev-parse', '--verify', '--end-of-options', `${exported.work}^{commit}`], { cwd });
    const parents = (await git(['rev-list', '--parents', '-n', '1', exported.work], { cwd })).split(' ').slice(1);
    const head = parents[0];
    const prefix = getAgentRefPrefix(work.agent);
    await updateRefs(git, cwd, [
      `update ${prefix}work ${exported.work}`,
      ...(head ? [`update ${prefix}head ${head}`] : [`delete ${prefix}head`]),
    ]);
    // An agent made before its base was recorded: where its history meets the user's HEAD.
    if (!work.base && head && have[0])
      work.base = (await git(['merge-base', have[0], head], { cwd }).catch(() => '')) || undefined;
    const tree = await treeOf(git, cwd, exported.work);
    const uncommitted = await diffTrees(git, cwd, head ?? (await getEmptyTree(git, cwd)), tree);
    return { head, tree, uncommitted, skipped: exported.skipped.sort() };
  } catch (error) {
    if (error instanceof GitCommandError) throw gitFailed(`Bringing back the work of agent ${work.agent}`, cwd, error);
    throw error;
  }
}

async function userHead(git: GitRunner, cwd: string): Promise<string | undefined> {
  return git(['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd }).catch(() => undefined);
}

/**
 * Brings the work of a running agent in a clone of its own into the user's repository (as diff
 * does) and names it: `refs/agentctl/<agent>/work`, for `rm --force --volumes`.
 */
export async function saveClonedWork(
  deps: { runtime: ClonedWorkRuntime; worktrees: AgentWorktreeDeps },
  name: string,
): Promise<{ ref: string; commit: string }> {
  const work = await resolveClonedWork(deps, name, 'rm');
  await work.snapshot();
  const ref = `${getAgentRefPrefix(work.agent)}work`;
  const commit = await work.git(['rev-parse', '--verify', ref], { cwd: work.location.commonDir });
  return { ref, commit };
}
