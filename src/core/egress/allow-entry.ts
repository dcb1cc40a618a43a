import { parseHostPattern } from '../../egress/host-pattern.js';
import { UsageError } from '../../shared/errors.js';

/**
 * Allowlist entries as users write them (`--allow`, `egress.allow`, a profile's hosts), checked by
 * the proxy's own parser (src/egress/host-pattern.ts: the gateway reads them the same way) and
 * written in one form (trimmed, lower case); duplicates dropped, order kept. `where` names the
 * source in the error (INVALID_ALLOW_ENTRY, exit 2).
 */
export function normaliseAllowList(values: readonly string[], where: string): string[] {
  const out: string[] = [];
  for (const value of values) {
    try {
      parseHostPattern(value);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      throw new UsageError(error.code, `${error.message} (in ${where})`, {
        hint: error.hint,
        details: { entry: value, source: where },
      });
    }
    const normal = value.trim().toLowerCase();
    if (!out.includes(normal)) out.push(normal);
  }
  return out;
}
