/**
 * Cleanup of a half-made agent must outlive a short engine outage: when the engine connection
 * drops mid-start (daemon restart, socket cut), removing the container at once fails too. These
 * helpers retry an operation while the engine cannot be reached, for a bounded time.
 */

const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/** Whether an error (or its cause chain) is a lost or refused connection rather than an engine answer. */
export function isEngineUnreachable(error: unknown): boolean {
  for (
    let current = error as { code?: string; message?: string; statusCode?: number; cause?: unknown } | undefined,
      depth = 0;
    current && depth < 5;
    depth += 1
  ) {
    if (typeof current.statusCode === 'number') return false;
    if (current.code && TRANSPORT_CODES.has(current.code)) return true;
    if (/socket hang up|write EPIPE|ECONNRESET|ECONNREFUSED/.test(current.message ?? '')) return true;
    current = current.cause as typeof current;
  }
  return false;
}

/** Runs `operation`, retrying every `intervalMs` while the engine is unreachable, for up to `limitMs`. */
export async function retryWhileUnreachable<T>(
  operation: () => Promise<T>,
  options: { limitMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.limitMs ?? 15_000);
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (!isEngineUnreachable(error) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
    }
  }
}
