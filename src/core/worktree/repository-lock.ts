import { open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError } from '../../shared/errors.js';

/** A lock older than this is left over from a killed agentctl. */
const STALE_MS = 120_000;
const WAIT_MS = 60_000;

/**
 * Runs `action` holding `<dir>/.lock` (exclusive create), so that agentctl processes never run
 * `git worktree add` / `remove` on one repository at the same time: git itself does not serialise
 * them, and a concurrent `add` can read another's half-written metadata ("failed to read
 * .git/worktrees/<id>/commondir"). Without `dir` (already gone) the action runs unlocked.
 */
export async function withRepositoryLock<T>(dir: string, action: () => Promise<T>): Promise<T> {
  const lockPath = path.join(dir, '.lock');
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(`${process.pid}\n`).finally(() => handle.close());
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return action();
      if (code !== 'EEXIST') throw error;
      const age = await stat(lockPath).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if (age > STALE_MS) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new ConflictError('WORKTREE_LOCKED', `Another agentctl is changing the worktrees in ${dir}`, {
          hint: `Wait for it to finish; if none runs, delete ${lockPath}`,
          details: { lock: lockPath },
        });
      }
      await sleep(10 + Math.floor(Math.random() * 40));
    }
  }
  try {
    return await action();
  } finally {
    await rm(lockPath, { force: true });
  }
}
