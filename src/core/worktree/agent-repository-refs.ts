import { UsageError } from '../../shared/errors.js';
import { GitCommandError, type GitRunner } from './git.js';

// Git on the user's repository for an agent's branch: names checked, commits resolved, refs moved.

/** The user's branch: its commit and where it is checked out (git's %(worktreepath)). */
export async function readUserBranch(
  git: GitRunner,
  commonDir: string,
  branch: string,
): Promise<{ commit: string; checkedOutAt: string | undefined } | undefined> {
  const output = await git(['for-each-ref', '--format=%(objectname) %(worktreepath)', `refs/heads/${branch}`], {
    cwd: commonDir,
  });
  const line = output.split('\n').find((item) => item.length > 0);
  if (!line) return undefined;
  const space = line.indexOf(' ');
  const checkedOutAt = space < 0 ? '' : line.slice(space + 1);
  return { commit: space < 0 ? line : line.slice(0, space), checkedOutAt: checkedOutAt || undefined };
}

/**
 * Applies ref commands (`create REF NEW`, `update REF NEW [OLD]`, `delete REF [OLD]`) one
 * `git update-ref` at a time, each a compare-and-swap on its own ref, in the order given.
 */
export async function updateRefs(git: GitRunner, commonDir: string, commands: string[]): Promise<void> {
  for (const command of commands)
    await git(['update-ref', '-m', 'agentctl', ...refCommandArgs(command)], { cwd: commonDir });
}

/**
 * Applies ref commands (as for updateRefs) in one `git update-ref --stdin` transaction: each
 * compared and swapped, and either all of them are made or none is.
 */
export async function updateRefsTogether(git: GitRunner, commonDir: string, commands: string[]): Promise<void> {
  for (const command of commands) refCommandArgs(command);
  await git(['update-ref', '-m', 'agentctl', '--stdin'], { cwd: commonDir, input: `${commands.join('\n')}\n` });
}

function refCommandArgs(command: string): string[] {
  const [verb, ref, ...values] = command.split(' ');
  if (!ref) throw new Error(`no ref in "${command}"`);
  if (verb === 'create') return [ref, values[0]!, ''];
  if (verb === 'update') return [ref, ...values];
  if (verb === 'delete') return ['-d', ref, ...values];
  throw new Error(`unknown ref command "${command}"`);
}

export async function checkBranchName(git: GitRunner, cwd: string, branch: string): Promise<void> {
  try {
    await git(['check-ref-format', '--branch', branch], { cwd });
  } catch (error) {
    throw new UsageError('INVALID_BRANCH', `"${branch}" is not a valid branch name`, {
      hint: 'Use letters, digits, "/", "-" and "_" (see `git check-ref-format --help`)',
      cause: error,
    });
  }
}

/** The commit `ref` names; for HEAD in a repository without commits, undefined when `allowUnborn`. */
export async function resolveCommit(
  git: GitRunner,
  cwd: string,
  ref: string,
  allowUnborn: boolean,
): Promise<string | undefined> {
  try {
    return await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd });
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    if (ref === 'HEAD') {
      if (allowUnborn) return undefined;
      throw new UsageError('NO_COMMITS', `The repository at ${cwd} has no commit to branch from`, {
        hint: 'Make a first commit (`git commit --allow-empty -m init`) or pass --base REF',
        cause: error,
      });
    }
    throw new UsageError('BASE_NOT_FOUND', `"${ref}" is not a commit in ${cwd}`, {
      hint: 'Pass an existing branch, tag or commit to --base (see `git branch -a`)',
      details: { base: ref },
      cause: error,
    });
  }
}
