import { readFile, stat } from 'node:fs/promises';
import type { GitUser } from './git.js';

/**
 * The user git should run as for a repository at `directory`: undefined (agentctl's own user),
 * unless agentctl runs as root on a repository a regular user owns (`sudo agentctl …`). Git as root
 * would refuse that repository ("dubious ownership") and would leave root-owned files in it.
 */
export async function getGitUserFor(
  directory: string,
  processUser: { uid: number } | undefined,
  passwdPath = '/etc/passwd',
): Promise<GitUser | undefined> {
  if (!processUser || processUser.uid !== 0) return undefined;
  const info = await stat(directory).catch(() => undefined);
  if (!info || info.uid === 0) return undefined;
  return { uid: info.uid, gid: info.gid, home: (await findHome(info.uid, passwdPath)) ?? '/nonexistent' };
}

async function findHome(uid: number, passwdPath: string): Promise<string | undefined> {
  const passwd = await readFile(passwdPath, 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields[2] === String(uid) && fields[5]) return fields[5];
  }
  return undefined;
}
