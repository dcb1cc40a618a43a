import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A held lock: `release` removes it (once; later calls do nothing). */
export interface HeldLock {
  path: string;
  release(): Promise<void>;
}

export interface LockOptions {
  /** How long to wait for a live holder before giving up (`timedOut` is called then). */
  waitMs: number;
  /** A lock older than this is stale whoever holds it (a holder never keeps it that long). */
  staleMs: number;
  timedOut(holder: LockHolder | undefined): Error;
  signal?: AbortSignal;
}

/** What a lock file says about who holds it. */
export interface LockHolder {
  pid: number;
  host: string;
  token: string;
}

/**
 * Takes the lock file `lockPath`: an exclusive create by link(2) of a complete file, so that a
 * reader never sees a half-written one. A lock whose holder is gone — a process of this host that
 * no longer exists (agentctl killed while holding it), or a lock older than `staleMs` — is broken,
 * and only while holding `<lockPath>.break`: two processes that both find the same stale lock
 * cannot both break it and one of them then remove the other's fresh lock.
 */
export async function acquireLockFile(lockPath: string, options: LockOptions): Promise<HeldLock> {
  const deadline = Date.now() + options.waitMs;
  const me: LockHolder = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') };
  for (;;) {
    options.signal?.throwIfAborted();
    if (await tryCreate(lockPath, me)) {
      let held = true;
      return {
        path: lockPath,
        async release() {
          if (!held) return;
          held = false;
          // Only our own lock: never one a breaker gave to another process after deciding ours was stale.
          if ((await readHolder(lockPath))?.token === me.token) await rm(lockPath, { force: true });
          await removeMadeDirectories();
        },
      };
    }
    if (await isStale(lockPath, options.staleMs)) {
      await breakStale(lockPath, options.staleMs);
      continue;
    }
    if (Date.now() > deadline) throw options.timedOut(await readHolder(lockPath));
    await sleep(20 + Math.floor(Math.random() * 60));
  }
}

/** The directories this process made for its locks (removed again once empty: a start leaves nothing). */
const madeDirectories = new Set<string>();

async function tryCreate(lockPath: string, holder: LockHolder): Promise<boolean> {
  const temporary = `${lockPath}.${holder.token}`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await writeFile(temporary, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
      break;
    } catch (error) {
      // Not there yet, or just removed by another process's clean-up.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw error;
      const first = await mkdir(path.dirname(lockPath), { recursive: true, mode: 0o700 });
      if (first)
        for (let dir = path.dirname(lockPath); dir.startsWith(first); dir = path.dirname(dir)) madeDirectories.add(dir);
    }
  }
  try {
    await link(temporary, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

async function readHolder(lockPath: string): Promise<LockHolder | undefined> {
  const text = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.token === 'string')
      return parsed as LockHolder;
  } catch {
    // Not ours, or damaged: only its age can tell.
  }
  return undefined;
}

async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  const info = await stat(lockPath).catch(() => undefined);
  if (!info) return false; // Released meanwhile: try again.
  if (Date.now() - info.mtimeMs > staleMs) return true;
  const holder = await readHolder(lockPath);
  return holder !== undefined && holder.host === hostname() && !isProcessAlive(holder.pid);
}

/** Whether process `pid` of this host exists (EPERM: it does, as another user's). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function breakStale(lockPath: string, staleMs: number): Promise<void> {
  const breaker = `${lockPath}.break`;
  const me: LockHolder = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') };
  if (!(await tryCreate(breaker, me))) {
    // Another process is breaking it; a breaker lock left by a killed process goes after a while.
    if (await isStale(breaker, Math.min(staleMs, 10_000))) await rm(breaker, { force: true });
    return;
  }
  try {
    // Look again under the breaker lock: the lock may have changed hands since.
    if (await isStale(lockPath, staleMs)) await rm(lockPath, { force: true });
  } finally {
    await rm(breaker, { force: true });
  }
}

async function removeMadeDirectories(): Promise<void> {
  // Deepest first; a directory another process uses meanwhile is not empty and stays.
  for (const dir of [...madeDirectories].sort((a, b) => b.length - a.length)) {
    await rmdir(dir).then(
      () => madeDirectories.delete(dir),
      () => undefined,
    );
  }
}
