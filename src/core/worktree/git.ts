import { ConflictError, UsageError } from '../errors.js';

/** Runs git with argv in cwd and returns its stdout (trailing newline trimmed). Rejects on a non-zero exit. */
export type GitRunner = (args: readonly string[], options: { cwd: string }) => Promise<string>;

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
 * The real git runner (execa, loaded lazily). Git's output is never localised (LC_ALL=C) and never
 * paged; prompts are disabled so a missing credential fails instead of hanging. With `user`, git
 * runs as that user, so that everything it writes into the user's repository stays the user's.
 */
export function createGitRunner(env: NodeJS.ProcessEnv = process.env, user?: GitUser): GitRunner {
  const gitEnv: NodeJS.ProcessEnv = { ...env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', ...(user ? { HOME: user.home } : {}) };
  if (user) delete gitEnv.XDG_CONFIG_HOME;
  return async (args, { cwd }) => {
    const { execa } = await import('execa');
    const result = await execa('git', [...args], {
      cwd,
      env: gitEnv,
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      extendEnv: false,
      reject: false,
      stripFinalNewline: true,
    });
    if (result.failed) {
      const code = (result as { code?: string }).code;
      if (code === 'ENOENT' && result.exitCode === undefined) {
        throw new UsageError('GIT_NOT_FOUND', 'git is not installed or not on PATH', {
          hint: 'Install git (https://git-scm.com/downloads) and run the command again',
        });
      }
      throw new GitCommandError(args, result.exitCode, String(result.stderr ?? ''));
    }
    return String(result.stdout);
  };
}

/**
 * Wraps an unexpected git failure into a typed error whose hint names the repository. Git refusing is
 * the repository's state conflicting with the operation (exit 8), not a bug in agentctl.
 */
export function gitFailed(what: string, repository: string, cause: unknown): ConflictError {
  const detail = cause instanceof GitCommandError ? cause.stderr.trim().split('\n').pop() : String(cause);
  return new ConflictError('GIT_FAILED', `${what} failed: ${detail ?? 'git error'}`, {
    hint: `Check the repository with \`git -C "${repository}" status\` and run the command again`,
    cause,
  });
}
