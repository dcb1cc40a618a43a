import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Config } from '../../config/schema.js';
import { UsageError } from '../../shared/errors.js';
import { getAgentProfile, unknownProfileError } from '../../config/agent-profiles.js';

/** Where `--input FILE` is copied inside the agent's container (by the archive API, never on a command line). */
export const INPUT_DIR = '/run/agentctl';
export const INPUT_PATH = `${INPUT_DIR}/input`;
/** The environment variable that tells the agent where its input file is. */
export const INPUT_ENV = 'AGENTCTL_INPUT_FILE';

export interface TaskRequest {
  /** `--task NAME` (from config `tasks`). */
  task?: string;
  /** `--agent PROFILE` (a task names its own; --agent overrides it). */
  agent?: string;
  /** `--image REF` (not with --task: a task's profile says how the task is handed over). */
  image?: string;
  /** The command after `--`. */
  args?: string[];
  /** `--input FILE` (host path, relative to cwd). */
  inputFile?: string;
}

/** What run hands to start: the profile, the command and extra environment, and the input file. */
export interface TaskPlan {
  agent?: string;
  command?: string[];
  env: string[];
  /** The input file's content, to copy to INPUT_PATH before the agent starts. */
  input?: { hostPath: string; content: Buffer };
  task?: string;
}

/**
 * Turns `--task`, `--input` and ARGS into the agent's command. A task's command is the task's own
 * `command`, else its agent profile's `taskCommand`; `{prompt}` is the task's prompt and `{input}`
 * the in-container path of the input file (the file's content never appears on a command line).
 */
export async function planTask(config: Config, cwd: string, request: TaskRequest): Promise<TaskPlan> {
  const input = request.inputFile === undefined ? undefined : await readInput(resolve(cwd, request.inputFile));
  const env = input ? [`${INPUT_ENV}=${INPUT_PATH}`] : [];
  if (request.task === undefined) {
    return {
      agent: request.agent,
      command: request.args && request.args.length > 0 ? request.args : undefined,
      env,
      ...(input ? { input } : {}),
    };
  }
  const task = config.tasks?.[request.task];
  if (!task) {
    const known = Object.keys(config.tasks ?? {});
    throw new UsageError('TASK_UNKNOWN', `Unknown task "${request.task}"`, {
      hint:
        known.length > 0
          ? `Use one of: ${known.join(', ')} (tasks in your config)`
          : 'Define it under `tasks` in your config (see docs/configuration.md)',
    });
  }
  if (request.args && request.args.length > 0) {
    throw new UsageError('TASK_AND_COMMAND', 'Give either --task or a command after --, not both', {
      hint: `Run \`agentctl run --task ${request.task}\`, or drop --task and put the command after --`,
    });
  }
  if (request.image !== undefined) {
    throw new UsageError('TASK_AND_IMAGE', 'A task runs on its agent profile; --image cannot be combined with --task', {
      hint: `Set the image under agents.${request.agent ?? task.agent}.image, or use --agent PROFILE`,
    });
  }
  const agent = request.agent ?? task.agent;
  const profile = getAgentProfile(config, agent);
  if (!profile)
    throw unknownProfileError(config, agent, `Task "${request.task}" names the unknown agent profile "${agent}"`);
  const template = task.command ?? profile.taskCommand;
  if (!template || template.length === 0) {
    throw new UsageError('TASK_COMMAND_MISSING', `Agent profile "${agent}" does not say how to hand over a task`, {
      hint: `Set agents.${agent}.taskCommand (e.g. ["claude","-p","{prompt}"]) or tasks.${request.task}.command`,
    });
  }
  if (template.some((word) => word.includes('{prompt}')) && task.prompt === undefined) {
    throw new UsageError('TASK_PROMPT_MISSING', `Task "${request.task}" has no prompt for {prompt}`, {
      hint: `Set tasks.${request.task}.prompt in your config`,
    });
  }
  if (!input && [...template, task.prompt ?? ''].some((word) => word.includes('{input}'))) {
    throw new UsageError('TASK_INPUT_MISSING', `Task "${request.task}" needs an input file ({input})`, {
      hint: `Run \`agentctl run --task ${request.task} --input FILE\``,
    });
  }
  const prompt = (task.prompt ?? '').replaceAll('{input}', INPUT_PATH);
  const command = template.map((word) => word.replaceAll('{prompt}', prompt).replaceAll('{input}', INPUT_PATH));
  return {
    agent,
    command,
    env: [...env, `AGENTCTL_TASK=${request.task}`],
    task: request.task,
    ...(input ? { input } : {}),
  };
}

async function readInput(path: string): Promise<{ hostPath: string; content: Buffer }> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) {
    throw new UsageError('INPUT_NOT_FOUND', `The input file ${path} does not exist or is not a file`, {
      hint: `Pass an existing file with --input FILE (${basename(path)} was not found)`,
    });
  }
  return { hostPath: path, content: await readFile(path) };
}
