import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Repository } from './find-repository.js';
import { GitCommandError, type GitRunner } from './git.js';

// The files of an agent's repository, written by hand (agent-repository.ts makes the repository).

/** The user's object directory and those its alternates name (one level; absolute paths). */
export async function getObjectDirectories(commonDir: string): Promise<string[]> {
  const objects = path.join(commonDir, 'objects');
  const alternates = await readFile(path.join(objects, 'info', 'alternates'), 'utf8').catch(() => '');
  const more = alternates
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => path.resolve(objects, line));
  return [objects, ...new Set(more)];
}

/** Writes the agent's repository by hand: a few files, no git process but one for-each-ref. */
export async function writeGitDir(
  git: GitRunner,
  gitDir: string,
  repository: Repository,
  branch: string,
  base: string | undefined,
): Promise<void> {
  for (const dir of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'info'])
    await mkdir(path.join(gitDir, dir), { recursive: true });
  await writeFile(
    path.join(gitDir, 'objects', 'info', 'alternates'),
    `${(await getObjectDirectories(repository.commonDir)).join('\n')}\n`,
  );
  await writeFile(path.join(gitDir, 'HEAD'), `ref: refs/heads/${branch}\n`);
  const settings = await readUserSettings(git, repository.commonDir);
  await writeFile(path.join(gitDir, 'config'), renderConfig(settings));
  await copyFile(path.join(repository.commonDir, 'shallow'), path.join(gitDir, 'shallow')).catch(() => undefined);
  // Tags and remote-tracking branches as they are in the user's repository; the agent's branch.
  const refs = await git(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/tags', 'refs/remotes'], {
    cwd: repository.commonDir,
  });
  const lines = refs.split('\n').filter((line) => line.length > 0 && !line.endsWith('/HEAD'));
  if (base !== undefined) lines.push(`${base} refs/heads/${branch}`);
  lines.sort((a, b) => (a.slice(a.indexOf(' ')) < b.slice(b.indexOf(' ')) ? -1 : 1));
  await writeFile(path.join(gitDir, 'packed-refs'), lines.length > 0 ? `${lines.join('\n')}\n` : '');
}

interface UserSettings {
  objectFormat: string | undefined;
  remotes: Map<string, { url?: string; pushurl?: string }>;
}

/** The settings the agent's repository takes over: the object format and the remotes' URLs. */
async function readUserSettings(git: GitRunner, commonDir: string): Promise<UserSettings> {
  const output = await git(
    ['config', '--local', '--get-regexp', '^(remote\\..*\\.(url|pushurl)|extensions\\.objectformat)$'],
    { cwd: commonDir },
  ).catch((error: unknown) => {
    if (error instanceof GitCommandError && error.exitCode === 1) return '';
    throw error;
  });
  const settings: UserSettings = { objectFormat: undefined, remotes: new Map() };
  for (const line of output.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === 'extensions.objectformat') {
      settings.objectFormat = value;
      continue;
    }
    const match = /^remote\.(.+)\.(url|pushurl)$/.exec(key);
    if (!match) continue;
    const remote = settings.remotes.get(match[1]!) ?? {};
    remote[match[2] as 'url' | 'pushurl'] = withoutPassword(value);
    settings.remotes.set(match[1]!, remote);
  }
  return settings;
}

/** `https://user:token@host/x` → `https://user@host/x`: a credential in a URL stays on the host. */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1@');
}

function renderConfig(settings: UserSettings): string {
  const lines = [
    '[core]',
    `\trepositoryformatversion = ${settings.objectFormat ? 1 : 0}`,
    '\tfilemode = true',
    '\tbare = false',
    '\tlogallrefupdates = true',
  ];
  if (settings.objectFormat) lines.push('[extensions]', `\tobjectformat = ${quote(settings.objectFormat)}`);
  for (const [name, remote] of settings.remotes) {
    if (/[\n"\\]/.test(name)) continue;
    lines.push(`[remote "${name}"]`);
    if (remote.url) lines.push(`\turl = ${quote(remote.url)}`);
    if (remote.pushurl) lines.push(`\tpushurl = ${quote(remote.pushurl)}`);
    lines.push(`\tfetch = ${quote(`+refs/heads/*:refs/remotes/${name}/*`)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A config value in double quotes, with git's escapes. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}
