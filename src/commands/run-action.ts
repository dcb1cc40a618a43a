import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CommandContext } from './context.js';
import type { AgentFlags } from './agent-options.js';
import { toAgentctlError, type AgentctlError } from '../shared/errors.js';
import { exitCodeFor } from '../shared/exit-codes.js';

/** The flags of `agentctl run` (src/commands/run.ts). */
export interface RunFlags extends AgentFlags {
  timeout?: string;
  stopTimeout: string;
  rm?: boolean;
  resultFile?: string;
  task?: string;
  input?: string;
  requireChanges?: boolean;
}

interface RunRequest {
  flags: RunFlags;
  name?: string;
  args?: string[];
  timeoutMs?: number;
  stopTimeoutSeconds: number;
}

function errorDocument(error: AgentctlError) {
  return { code: error.code, message: error.message, hint: error.hint };
}

/** `agentctl run`: runs the agent (core), renders the result and ends with the agent's exit code. */
export async function executeRun(context: CommandContext, request: RunRequest): Promise<never> {
  const { PassThroughExit } = await import('./pass-through-exit.js');
  const { flags } = request;
  const { io } = context;
  const json = context.globals.json;
  const resultFile = flags.resultFile === undefined ? undefined : resolve(context.cwd, flags.resultFile);
  const writeResultFile = async (document: unknown) => {
    if (resultFile) await writeFile(resultFile, `${JSON.stringify(io.secrets.maskValue(document), null, 2)}\n`);
  };
  let outcome;
  try {
    outcome = await startRun(context, request);
  } catch (error) {
    // Nothing ran (bad flags, image, engine): the result file still says why.
    const failure = toAgentctlError(error);
    await writeResultFile({ ok: false, error: errorDocument(failure) }).catch(() => undefined);
    throw error;
  }
  // The agent ran: keep the engine info for the next command, as `start` does.
  await (await import('../runtime/engine-info-cache.js')).saveEngineInfoCache();
  const { result, failure } = outcome;
  const document = failure ? { ...result, ok: false, error: errorDocument(failure) } : result;
  await writeResultFile(document);
  if (json) io.writeJson(document);
  else if (result.worktree) {
    const { branch, commits, changedFiles } = result.worktree;
    io.info(`branch ${branch}: ${commits.length} commit(s), ${changedFiles.length} changed file(s)`);
    if (result.removed && result.worktree.path && result.worktree.uncommitted.length > 0) {
      io.warn(
        `kept the worktree ${result.worktree.path}: it holds uncommitted files (${result.worktree.uncommitted.join(', ')})`,
      );
    }
  }
  if (!json && result.sessionId) io.info(`agent session ${result.sessionId}`);
  io.debug(`log saved to ${result.logFile}`);
  if (failure) {
    if (json) throw new PassThroughExit(exitCodeFor(failure.kind));
    throw failure;
  }
  throw new PassThroughExit(result.exitCode);
}

async function startRun(context: CommandContext, request: RunRequest) {
  const { runAgent } = await import('../core/run/run-agent.js');
  const { planTask } = await import('../core/run/run-task.js');
  const { agentStartDeps } = await import('./agent-start-deps.js');
  const { sharedStartOptions } = await import('./agent-options.js');
  const { getDataDir } = await import('../config/paths.js');
  const { flags } = request;
  const { io } = context;
  const { config } = await context.config();
  const plan = await planTask(config, context.cwd, {
    task: flags.task,
    agent: flags.agent,
    image: flags.image,
    args: request.args,
    inputFile: flags.input,
  });
  const mask = (text: string) => io.secrets.mask(text);
  const deps = agentStartDeps(context, config);
  return runAgent(
    {
      ...deps,
      // With --json, stdout carries only the result document: the agent's output goes to stderr.
      output: context.globals.json
        ? { stdout: (text) => io.streams.stderr.write(text), stderr: (text) => io.streams.stderr.write(text) }
        : { stdout: (text) => io.streams.stdout.write(text), stderr: (text) => io.streams.stderr.write(text) },
      mask,
      secrets: io.secrets,
      logDir: join(getDataDir(config, context.env, context.homedir), 'logs'),
      worktrees: { env: context.env, processUser: deps.hostUser },
    },
    {
      start: {
        ...sharedStartOptions(flags),
        name: request.name,
      },
      plan,
      timeoutMs: request.timeoutMs,
      stopTimeoutSeconds: request.stopTimeoutSeconds,
      remove: Boolean(flags.rm),
      requireChanges: Boolean(flags.requireChanges),
    },
  );
}
