import { unregisterAgentEgress } from '../egress/agent-egress.js';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CancelledError,
  ConflictError,
  TimeoutError,
  isAgentctlError,
  type AgentctlError,
} from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import type { StreamSecrets } from '../../io/output-mask.js';
import { deriveAgentName, MAX_AGENT_NAME_LENGTH } from '../agents/agent-name.js';
import { prepareAgent } from '../agents/start-agent.js';
import type { PendingAgent, StartAgentDeps } from '../agents/start-agent-types.js';
import type { StartAgentOptions } from '../agents/start-options.js';
import { getGitFor, getWorktreeLocation, type AgentWorktreeDeps } from '../worktree/agent-worktrees.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import { openRunLog, pumpOutput, type RunOutputSinks } from './run-output.js';
import { fetchWorktreeReport, type RunResult, type WorktreeReport } from './run-result.js';
import { removeRunLeftovers } from './run-cleanup.js';
import { INPUT_DIR, type TaskPlan } from './run-task.js';
import { createOutputTail, findNoChanges, parseAgentReport, requireChangesNeedsGit } from './agent-result.js';

export interface RunAgentDeps extends StartAgentDeps {
  output: RunOutputSinks;
  /** Masks registered secrets in the agent's output (stream and log file). */
  mask(text: string): string;
  /** The registered secrets, to mask output that arrives in pieces (a secret split between two reads). */
  secrets?: StreamSecrets;
  /** Directory of run logs (<data dir>/logs). */
  logDir: string;
  worktrees: AgentWorktreeDeps;
  /** Milliseconds; default Date.now. */
  clock?: () => number;
}

export interface RunAgentOptions {
  /** start's options (name, workspace, image, env, worktree…); run sets command, TTY and detach. */
  start: Omit<StartAgentOptions, 'command' | 'tty' | 'detach'>;
  plan: TaskPlan;
  /** Stop the agent after this long (milliseconds). */
  timeoutMs?: number;
  /** SIGTERM, then SIGKILL after this many seconds (timeout and signals). */
  stopTimeoutSeconds: number;
  /** Remove the container and its home volume afterwards (never a branch with new commits). */
  remove: boolean;
  /** Fail with RUN_NO_CHANGES when the agent exits 0 with no commit and no uncommitted file. */
  requireChanges?: boolean;
}

/** The result, and the error that ended the run early (timeout, signal), for the caller to raise. */
export interface RunOutcome {
  result: RunResult;
  failure?: AgentctlError;
}

/** The agentctl exit code a signal leaves behind is the caller's; a CI runner gives ~10 s at most. */
const SIGNAL_STOP_SECONDS = 3;

/**
 * Runs an agent to its end without a terminal: creates it (start's path, no TTY), attaches before
 * starting so nothing it prints is missed, streams its stdout and stderr as they come (and into a
 * log file), and waits for its exit. A timeout or a signal stops it gracefully. With `remove`, the
 * container and its home volume go afterwards, and the worktree too unless it holds uncommitted
 * files; a branch with new commits always stays.
 */
export async function runAgent(deps: RunAgentDeps, options: RunAgentOptions): Promise<RunOutcome> {
  const clock = deps.clock ?? Date.now;
  const startedAt = clock();
  const name = options.start.name ?? defaultRunName(resolve(deps.cwd, options.start.workspace ?? '.'));
  const startOptions: StartAgentOptions = {
    ...options.start,
    name,
    agent: options.plan.agent,
    command: options.plan.command,
    env: [...options.plan.env, ...options.start.env],
    detach: true,
    tty: false,
    task: true,
  };
  const pending = await prepareAgent(deps, startOptions);
  if (pending.resumed) {
    throw new ConflictError('AGENT_EXISTS', `Agent ${name} already exists`, {
      hint: `Remove it with \`agentctl rm ${name}\`, or give \`agentctl run\` another name (or none: a fresh one is made)`,
      details: { agent: name },
    });
  }
  const runtime = await deps.runtime();
  // Every writing agent on a git checkout has its own repository; the report reads it in the user's.
  const location = getWorktreeLocation(pending.labels);
  if (options.requireChanges && !location) {
    await pending.discard();
    throw requireChangesNeedsGit(pending.workspace);
  }
  const base = pending.labels[LABELS.base];
  const git = location ? await getGitFor(deps.worktrees, location.commonDir) : undefined;
  let log;
  const waiting = new AbortController();
  let exited: Promise<number | undefined>;
  let pumped: Promise<void>;
  let connection;
  let starting = false;
  // The end of stdout, where an agent prints its own result (Claude Code's --output-format json).
  const tail = createOutputTail();
  const sinks = {
    stdout: (text: string) => {
      tail.push(text);
      deps.output.stdout(text);
    },
    stderr: (text: string) => deps.output.stderr(text),
  };
  try {
    if (options.plan.input) await copyInput(runtime, pending, options.plan.input.content);
    log = await openRunLog(deps.logDir, name, new Date(startedAt));
    const runLog = log;
    // Wait and attach before starting: neither the first output nor a quick exit can be missed.
    exited = runtime.waitContainerExit(pending.id, waiting.signal).catch(() => undefined);
    connection = await runtime.attachContainer(pending.id, { stdin: false });
    pumped = pumpOutput(connection, sinks, runLog, deps.mask, deps.secrets);
    deps.signal?.throwIfAborted();
    starting = true;
    // start() removes what it created itself when it fails.
    await pending.start('attached');
  } catch (error) {
    waiting.abort();
    connection?.destroy();
    await log?.close();
    if (!starting) await pending.discard();
    throw error;
  }
  deps.log(`agent ${name} started (container ${pending.id.slice(0, 12)})`);

  const ended = await waitForEnd(deps, runtime, pending.id, { exited, pumped, timeoutMs: options.timeoutMs });
  let exitCode: number | undefined = ended.kind === 'exit' ? ended.code : undefined;
  if (ended.kind !== 'exit') {
    const seconds =
      ended.kind === 'timeout' ? options.stopTimeoutSeconds : Math.min(options.stopTimeoutSeconds, SIGNAL_STOP_SECONDS);
    deps.log(`stopping agent ${name} (${ended.kind}), killing it after ${seconds}s`);
    await runtime
      .stopContainer(pending.id, seconds)
      .catch((error: unknown) => deps.log(`stop failed: ${(error as Error).message}`));
    exitCode = await Promise.race([exited, pollExitCode(runtime, pending.id)]);
  }
  // The output stream ends with the container; a stuck connection must not hold the run.
  const drained = new AbortController();
  await Promise.race([pumped, sleep(2000, undefined, { signal: drained.signal }).catch(() => undefined)]);
  drained.abort();
  connection.destroy();
  waiting.abort();
  await log.close();
  const details = await runtime.inspectContainer(pending.id);
  exitCode ??= details?.exitCode ?? 1;

  let worktree: WorktreeReport | undefined;
  if (git && location && base) {
    // A git failure here must not keep --rm from cleaning up: the worktree is then kept as it is.
    worktree = await fetchWorktreeReport(git, { ...location, base }).catch((error: unknown) => {
      deps.log(`could not read the git work of agent ${name}: ${(error as Error).message}`);
      return undefined;
    });
  }
  if (options.remove) {
    worktree = await removeRunLeftovers(deps, runtime, {
      pending,
      labels: details?.labels ?? {},
      worktree,
      keepBranch: options.start.branch !== undefined,
    });
    // Its token and the real values of its secrets go with it (a gateway policy's registration).
    await unregisterAgentEgress(runtime, name, details?.labels ?? {}).catch((error: unknown) =>
      deps.log(`could not remove ${name}'s registration from its egress gateway: ${(error as Error).message}`),
    );
  }
  const stopped =
    ended.kind === 'timeout'
      ? timeoutError(name, options.timeoutMs ?? 0)
      : ended.kind === 'signal'
        ? ended.reason
        : undefined;
  const result: RunResult = {
    ok: exitCode === 0 && stopped === undefined,
    agent: name,
    exitCode,
    durationMs: clock() - startedAt,
    image: { reference: pending.image, digest: details?.labels[LABELS.imageDigest] ?? null },
    workspace: pending.workspace,
    loosened: pending.loosened,
    logFile: log.path,
    ...(ended.kind === 'timeout' ? { stoppedBy: 'timeout' as const } : {}),
    ...(ended.kind === 'signal'
      ? { stoppedBy: ended.reason.kind === 'cancelled' ? ('SIGINT' as const) : ('SIGTERM' as const) }
      : {}),
    removed: options.remove,
    ...(worktree ? { worktree } : {}),
    ...parseAgentReport(tail.text()),
  };
  const failure = stopped ?? (options.requireChanges ? findNoChanges(result) : undefined);
  if (failure) result.ok = false;
  return { result, ...(failure ? { failure } : {}) };
}

/** A fresh name per run, so that runs on one workspace never collide: `<workspace>-<6 hex>`. */
export function defaultRunName(workspace: string): string {
  const suffix = randomBytes(3).toString('hex');
  return `${deriveAgentName(workspace).slice(0, MAX_AGENT_NAME_LENGTH - suffix.length - 1)}-${suffix}`;
}

type Ended =
  { kind: 'exit'; code: number | undefined } | { kind: 'timeout' } | { kind: 'signal'; reason: AgentctlError };

async function waitForEnd(
  deps: Pick<RunAgentDeps, 'signal'>,
  runtime: ContainerRuntime,
  id: string,
  state: { exited: Promise<number | undefined>; pumped: Promise<void>; timeoutMs?: number },
): Promise<Ended> {
  const stop = new AbortController();
  const racers: Promise<Ended>[] = [
    state.exited.then((code) => ({ kind: 'exit' as const, code })),
    // Should the wait have missed the exit, the end of the output stream and the engine's state tell.
    state.pumped.then(() => pollExitCode(runtime, id, stop.signal)).then((code) => ({ kind: 'exit' as const, code })),
  ];
  if (state.timeoutMs !== undefined) {
    racers.push(
      sleep(state.timeoutMs, undefined, { signal: stop.signal }).then(
        () => ({ kind: 'timeout' as const }),
        () => new Promise<never>(() => undefined),
      ),
    );
  }
  if (deps.signal) {
    const signal = deps.signal;
    racers.push(
      new Promise<Ended>((resolveSignal) => {
        const onAbort = () => resolveSignal({ kind: 'signal', reason: toError(signal.reason) });
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
        stop.signal.addEventListener('abort', () => signal.removeEventListener('abort', onAbort), { once: true });
      }),
    );
  }
  try {
    return await Promise.race(racers);
  } finally {
    stop.abort();
  }
}

/** The exit code once the engine says the container has stopped. */
async function pollExitCode(runtime: ContainerRuntime, id: string, signal?: AbortSignal): Promise<number | undefined> {
  for (let attempt = 0; !signal?.aborted; attempt += 1) {
    const details = await runtime.inspectContainer(id);
    if (!details) return undefined;
    if (!details.running && details.state !== 'created') return details.exitCode;
    await sleep(Math.min(50 * (attempt + 1), 500), undefined, signal ? { signal } : undefined).catch(() => undefined);
  }
  return new Promise<never>(() => undefined);
}

async function copyInput(runtime: ContainerRuntime, pending: PendingAgent, content: Buffer): Promise<void> {
  await runtime.copyFiles(pending.id, {
    dir: INPUT_DIR,
    mode: 0o700,
    files: [{ name: 'input', mode: 0o600, content }],
  });
}

function timeoutError(name: string, timeoutMs: number): TimeoutError {
  return new TimeoutError('RUN_TIMEOUT', `Agent ${name} did not finish within ${timeoutMs / 1000}s and was stopped`, {
    hint: 'Give it more time with --timeout (e.g. --timeout 30m), or see the log file for where it hung',
    details: { agent: name },
  });
}

function toError(reason: unknown): AgentctlError {
  if (isAgentctlError(reason)) return reason;
  return new CancelledError('CANCELLED', 'The run was cancelled', { hint: 'Run the command again when ready' });
}
