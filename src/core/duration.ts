/**
 * Parses a single-unit duration flag (--wait-timeout, --timeout): 90 (seconds), 90s, 2m, 1h, 500ms
 * → milliseconds, NaN when invalid. (`logs --since` takes compound durations: core/agents/log-time.ts.)
 */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) return Number.NaN;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's']!;
  return Number(match[1]) * factor;
}
