import type { GitRunner } from '../worktree/git.js';
import { inspectWorktree, type WorktreeLocation } from '../worktree/inspect-worktree.js';
import type { Loosening } from '../agents/loosenings.js';

/** What `agentctl run` reports (`--json`, `--result-file`): a pipeline acts on this document. */
export interface RunResult {
  /** The agent exited 0 (and neither a timeout nor a signal stopped it). */
  ok: boolean;
  agent: string;
  /** The agent's exit code (after a stop: the code the engine recorded, e.g. 143 or 137). */
  exitCode: number;
  durationMs: number;
  image: { reference: string; digest: string | null };
  /** The workspace the run was asked for (with a worktree: the checkout the branch belongs to). */
  workspace: string;
  /** What the agent got beyond the hardened default (host network, engine socket, …); see agents/loosenings.ts. */
  loosened?: Loosening[];
  /** Everything the agent printed (stdout and stderr, in order of arrival). */
  logFile: string;
  /** Set when --timeout or a signal ended the run. */
  stoppedBy?: 'timeout' | 'SIGTERM' | 'SIGINT';
  /** True when --rm removed the container and its home volume. */
  removed: boolean;
  worktree?: WorktreeReport;
  /** The agent's own result document: the last JSON object line of its stdout (agent-result.ts). */
  agentResult?: Record<string, unknown>;
  /** The session id the agent reported (Claude Code's `session_id`, …), to resume it later. */
  sessionId?: string;
}

export interface WorktreeReport {
  branch: string;
  /** The commit the branch pointed at when the agent started. */
  base: string;
  /** The host path of the worktree (absent once --rm removed it). */
  path?: string;
  /** Commits made by the agent, oldest first. */
  commits: { hash: string; subject: string }[];
  /** Files changed from base to the branch's tip. */
  changedFiles: string[];
  /** Uncommitted files left in the worktree (it is then kept, even with --rm). */
  uncommitted: string[];
}

/**
 * The branch's commits since base and the files they changed, read in the user's repository after
 * syncing the agent's repository into it (never by running git in the agent's worktree), and the
 * worktree's uncommitted files.
 */
export async function fetchWorktreeReport(
  git: GitRunner,
  location: WorktreeLocation & { base: string },
): Promise<WorktreeReport> {
  const cwd = location.commonDir;
  const state = await inspectWorktree(git, location);
  const tip = state.head ?? `refs/heads/${location.branch}`;
  const log = await git(['log', '--reverse', '--format=%H %s', `${location.base}..${tip}`, '--'], { cwd });
  const commits = lines(log).map((line) => {
    const space = line.indexOf(' ');
    return space < 0 ? { hash: line, subject: '' } : { hash: line.slice(0, space), subject: line.slice(space + 1) };
  });
  const changedFiles = lines(await git(['diff', '--name-only', '--no-renames', location.base, tip, '--'], { cwd }));
  const uncommitted = state.uncommitted.map((line) => line.slice(3));
  return {
    branch: location.branch,
    base: location.base,
    ...(location.path ? { path: location.path } : {}),
    commits,
    changedFiles,
    uncommitted,
  };
}

function lines(output: string): string[] {
  return output.split('\n').filter((line) => line.length > 0);
}
