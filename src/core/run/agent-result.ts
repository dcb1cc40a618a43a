import { NoChangesError, UsageError } from '../../shared/errors.js';
import type { RunResult } from './run-result.js';

/** How much of the agent's stdout is kept to find its result in (the end of it). */
export const RESULT_TAIL_BYTES = 4 * 1024 * 1024;
/** A result line longer than this is not looked at (nothing an agent prints as its result is). */
const MAX_RESULT_LINE = 2 * 1024 * 1024;
const SESSION_KEYS = ['session_id', 'sessionId', 'thread_id'] as const;

/** What the agent said about its own work: its last JSON object line, and its session id. */
export interface AgentReport {
  agentResult?: Record<string, unknown>;
  sessionId?: string;
}

/** Keeps the last `limit` characters of what it is given (the agent's stdout, already masked). */
export function createOutputTail(limit = RESULT_TAIL_BYTES) {
  let text = '';
  let cut = false;
  return {
    push(piece: string): void {
      text += piece;
      if (text.length > limit * 2) {
        text = text.slice(text.length - limit);
        cut = true;
      }
    },
    /** The kept text; when the start was cut off, from the first whole line on. */
    text(): string {
      const kept = text.length > limit ? text.slice(text.length - limit) : text;
      return cut || text.length > limit ? kept.slice(kept.indexOf('\n') + 1) : kept;
    },
  };
}

function parseObject(line: string): Record<string, unknown> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}') || trimmed.length > MAX_RESULT_LINE) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function sessionOf(object: Record<string, unknown>): string | undefined {
  for (const key of SESSION_KEYS) {
    const value = object[key];
    if (typeof value === 'string' && /^[\w.:-]{1,200}$/.test(value)) return value;
  }
  return undefined;
}

/**
 * The agent's own result, when it printed one: the last line of its stdout that is a JSON object
 * (Claude Code's `-p --output-format json`, Gemini CLI's `--output-format json`, the last event of
 * `codex exec --json`), and the session id it names (`session_id`, `sessionId` or `thread_id`; else
 * the last one an earlier JSON line named, as Codex names its thread first). Output that is no JSON
 * or broken JSON gives nothing: it never fails a run.
 */
export function parseAgentReport(stdout: string): AgentReport {
  const lines = stdout.split('\n');
  let agentResult: Record<string, unknown> | undefined;
  let sessionId: string | undefined;
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const object = parseObject(lines[index]!);
    if (!object) continue;
    agentResult ??= object;
    sessionId = sessionOf(object);
    if (sessionId) break;
  }
  return { ...(agentResult ? { agentResult } : {}), ...(sessionId ? { sessionId } : {}) };
}

/** `--require-changes` needs the agent's git work to look at: refused before the agent starts. */
export function requireChangesNeedsGit(workspace: string): UsageError {
  return new UsageError('REQUIRE_CHANGES_NEEDS_GIT', `--require-changes needs a git checkout; ${workspace} is none`, {
    hint: 'Run it on a git repository (`git init` and a first commit), or drop --require-changes',
  });
}

/** RUN_NO_CHANGES (exit 13) when the agent exited 0 with no commit and no uncommitted file. */
export function findNoChanges(result: RunResult): NoChangesError | undefined {
  if (result.exitCode !== 0 || !result.worktree) return undefined;
  const { commits, uncommitted, branch } = result.worktree;
  if (commits.length > 0 || uncommitted.length > 0) return undefined;
  return new NoChangesError('RUN_NO_CHANGES', `Agent ${result.agent} exited 0 but changed nothing on ${branch}`, {
    hint: `See what it did in ${result.logFile} (\`agentctl run\` keeps the log); give it a task that changes files, or drop --require-changes`,
    details: { agent: result.agent, branch },
  });
}
