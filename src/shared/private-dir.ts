import { lstat, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The per-user directory for facts agentctl keeps between commands (the engine's info, configs it
 * already validated): $XDG_RUNTIME_DIR/agentctl-<uid> (else TMPDIR's), gone at reboot. Undefined
 * where there are no uids (Windows).
 */
export function privateCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (typeof process.getuid !== 'function') return undefined;
  return join(env.XDG_RUNTIME_DIR || tmpdir(), `agentctl-${process.getuid()}`);
}

/** Only a directory of our own that nobody else can write to (not a link planted in /tmp). */
export async function ownDirectory(dir: string, create: boolean): Promise<boolean> {
  if (create) {
    await mkdir(dir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
  const own = await lstat(dir);
  return own.isDirectory() && own.uid === process.getuid!() && (own.mode & 0o022) === 0;
}
