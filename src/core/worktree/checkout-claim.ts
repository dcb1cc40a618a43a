import { createHash } from 'node:crypto';
import path from 'node:path';
import { ConflictError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import { checkoutInUseError, writesDirectlyTo, type ExistingAgent } from './decide-worktree.js';
import { acquireLockFile, type HeldLock } from './lock-file.js';

/** Creating a container takes seconds; a holder this old is stuck or gone. */
const STALE_MS = 10 * 60_000;
const WAIT_MS = 120_000;

/**
 * The claim of one directory by a start that may write it directly: a lock file in agentctl's data
 * directory, held from the look at which agents use the directory through the creation of the
 * container, so that two agentctl processes never both find the directory free (issue 16: three
 * concurrent starts on one directory all succeeded on Docker). The lock only orders the starts of
 * one data directory (one user); `confirmSoleWriter` covers starts from other users.
 */
export async function claimDirectory(dataDir: string, directory: string, signal?: AbortSignal): Promise<HeldLock> {
  const key = createHash('sha256').update(directory).digest('hex').slice(0, 24);
  const lockPath = path.join(dataDir, 'locks', `checkout-${key}.lock`);
  return acquireLockFile(lockPath, {
    waitMs: WAIT_MS,
    staleMs: STALE_MS,
    ...(signal ? { signal } : {}),
    timedOut: (holder) =>
      new ConflictError('CHECKOUT_LOCKED', `Another agentctl has been starting an agent on ${directory} for too long`, {
        hint: `Wait for it to finish${holder ? ` (process ${holder.pid} on ${holder.host})` : ''}; if no agentctl runs, delete ${lockPath}`,
        details: { checkout: directory, lock: lockPath },
      }),
  });
}

/**
 * After the container of `self` was created: no other agent writes to its directory directly. A
 * start of another user (another data directory, so another lock) can have looked at the same
 * time; then each sees the other here and both give up — never both write one directory.
 */
export function confirmSoleWriter(self: ExistingAgent, agents: readonly ExistingAgent[]): void {
  const directory = self.labels[LABELS.workspace];
  if (!directory || !writesDirectlyTo(self, directory)) return;
  const others = agents.filter((agent) => agent.name !== self.name && writesDirectlyTo(agent, directory));
  if (others.length > 0) throw checkoutInUseError(directory, others, Boolean(self.labels[LABELS.repository]));
}
