import { ConflictError, UsageError } from '../../shared/errors.js';

/**
 * Runs git with argv in cwd and returns its stdout (trailing newline trimmed), `input` on its
 * stdin. Rejects on a non-zero exit.
 */
export type GitRunner = (
  args: readonly string[],
  options: { cwd: string; env?: Readonly<Record<string, string>>; input?: string | Uint8Array },
) => Promise<string>;

/** Failure of one git invocation: the exit code and git's own stderr. */
export class GitCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed${exitCode === undefined ? '' : ` (exit ${exitCode})`}: ${stderr.trim()}`);
    this.name = 'GitCommandError';
  }
}

/** Another user git runs as (uid, gid and that user's home), when agentctl runs as root. */
export interface GitUser {
  uid: number;
  gid: number;
  home: string;
}

/**
 * Settings every git agentctl runs on the host gets, in command-line scope (above any repository's
 * own config): no hook and no fsmonitor ever runs, whatever a repository's config says, and a local
 * path may be fetched from (agents' repositories). agentctl's own git work needs neither hooks nor
 * fsmonitor; this is defence in depth on top of never running git inside a directory an agent
 * writes (docs/security.md).
 */
export const HOST_GIT_CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['core.hooksPath', '/dev/null'],
  ['core.fsmonitor', 'false'],
  ['protocol.file.allow', 'always'],
];

/** `env` with HOST_GIT_CONFIG appended to any GIT_CONFIG_COUNT entries it already has. */
export function withHostGitConfig(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...env };
  const existing = Number.parseInt(env.GIT_CONFIG_COUNT ?? '0', 10);
  let count = Number.isInteger(existing) && existing > 0 ? existing : 0;
  for (const [key, value] of HOST_GIT_CONFIG) {
    result[`GIT_CONFIG_KEY_${count}`] = key;
    result[`GIT_CONFIG_VALUE_${count}`] = value;
    count += 1;
  }
  result.GIT_CONFIG_COUNT = String(count);
  return result;
}

/**
 * The real git runner (node's child_process: loading execa costs ~50 ms on every start, more than
 * the git call). Git's output is never localised (LC_ALL=C) and never paged; prompts are disabled
 * so a missing credential fails instead of hanging. With `user`, git runs as that user, so that
 * everything it writes into the user's repository stays the user's.
 */
export function createGitRunner(env: NodeJS.ProcessEnv = process.env, user?: GitUser): GitRunner {
  const gitEnv: NodeJS.ProcessEnv = {
    ...withHostGitConfig(env),
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    ...(user ? { HOME: user.home } : {}),
  };
  if (user) delete gitEnv.XDG_CONFIG_HOME;
  return async (args, { cwd, env: extraEnv, input }) => {
    const { execFile } = await import('node:child_process');
    const result = await new Promise<{
      error: (Error & { code?: number | string | null }) | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = execFile(
        'git',
        [...args],
        {
          cwd,
          env: extraEnv ? { ...gitEnv, ...extraEnv } : gitEnv,
          ...(user ? { uid: user.uid, gid: user.gid } : {}),
          maxBuffer: 256 * 1024 * 1024,
          encoding: 'utf8',
        },
        (error, stdout, stderr) => resolve({ error, stdout, stderr }),
      );
      // git may exit before reading all of it (a refusal): the write error is the exit's to tell.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input ?? '');
    });
    if (result.error) {
      const code = result.error.code;
      if (code === 'ENOENT') {
        throw new UsageError('GIT_NOT_FOUND', 'git is not installed or not on PATH', {
          hint: 'Install git (https://git-scm.com/downloads) and run the command again',
        });
      }
      throw new GitCommandError(
        args,
        typeof code === 'number' ? code : undefined,
        result.stderr || result.error.message,
      );
    }
    return result.stdout.replace(/\r?\n$/, '');
  };
}

/**
 * Wraps an unexpected git failure into a typed error whose hint names the repository. Git refusing is
 * the repository's state conflicting with the operation (exit 8), not a bug in agentctl.
 */
export function gitFailed(what: string, repository: string, cause: unknown): ConflictError {
  // git's own verdict is its `fatal:` (or `error:`) line; the lines after it are advice.
  const lines = cause instanceof GitCommandError ? cause.stderr.trim().split('\n') : [String(cause)];
  const detail = lines.find((line) => /^(fatal|error):/.test(line)) ?? lines.pop();
  return new ConflictError('GIT_FAILED', `${what} failed: ${detail ?? 'git error'}`, {
    hint: `Check the repository with \`git -C "${repository}" status\` and run the command again`,
    cause,
  });
}
