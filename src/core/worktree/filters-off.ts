import { GitCommandError, type GitRunner } from './git.js';

/**
 * `-c` settings that switch off every filter driver the user's config defines (git-lfs and the
 * like): the agent's `.gitattributes` choose which driver git would run on which of its files, so
 * none runs on them. Files are read as their bytes.
 */
export async function getFiltersOff(git: GitRunner, cwd: string): Promise<string[]> {
  const output = await git(['config', '--name-only', '--get-regexp', '^filter\\.'], { cwd }).catch((error: unknown) => {
    if (error instanceof GitCommandError && error.exitCode === 1) return '';
    throw error;
  });
  const drivers = new Set<string>();
  for (const key of output.split('\n')) {
    const match = /^filter\.(.+)\.[^.]+$/.exec(key);
    if (match) drivers.add(match[1]!);
  }
  return [...drivers].flatMap((driver) =>
    ['clean=', 'smudge=', 'process=', 'required=false'].flatMap((setting) => ['-c', `filter.${driver}.${setting}`]),
  );
}

/**
 * The leading arguments of git run over an agent's files as data: the user's git dir (its own
 * config, trusted), the agent's files as work tree, and no filter driver (getFiltersOff).
 */
export async function getAgentFilesGitArgs(git: GitRunner, commonDir: string, workTree: string): Promise<string[]> {
  return [...(await getFiltersOff(git, commonDir)), '--git-dir', commonDir, '--work-tree', workTree];
}
