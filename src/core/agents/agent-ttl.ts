import { UsageError } from '../../shared/errors.js';
import { DURATION_FORMS, parseDuration } from '../../shared/duration.js';
import { LABELS } from '../../shared/labels.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';

/**
 * `start --ttl DURATION`: the agent's maximum lifetime, counted from each start, after which the
 * backend stops it — also when agentctl is not running. In whole seconds (rounded up), at least 1.
 * INVALID_TTL (usage, exit 2) otherwise.
 */
export function parseTtl(value: string): number {
  const ms = parseDuration(value);
  if (!Number.isFinite(ms) || ms < 1000) {
    throw new UsageError('INVALID_TTL', `Invalid --ttl "${value}"`, {
      hint: `Give ${DURATION_FORMS}, of at least 1s, e.g. --ttl 2h`,
    });
  }
  return Math.ceil(ms / 1000);
}

/**
 * The agent's label for its lifetime, for a backend that stops agents at their deadline by itself
 * (capabilities.lifetime: Kubernetes, where the kubelet does). The engine backends have nothing
 * that would stop a container while agentctl is not running (see docs/kubernetes.md, `--ttl`):
 * TTL_UNSUPPORTED (usage, exit 2) there, before anything is made.
 */
export function ttlLabels(runtime: ContainerRuntime, ttlSeconds: number | undefined): Record<string, string> {
  if (ttlSeconds === undefined) return {};
  if (!runtime.capabilities.lifetime) {
    throw new UsageError(
      'TTL_UNSUPPORTED',
      `--ttl is not possible with ${runtime.endpoint.url}: nothing would stop the agent while agentctl is not running`,
      {
        hint: 'Start without --ttl and stop the agent yourself (`agentctl stop NAME`, e.g. from a cron job), or run it on Kubernetes (`--backend kubernetes`), where the kubelet enforces it',
      },
    );
  }
  return { [LABELS.ttl]: String(ttlSeconds) };
}

/** The lifetime an agent was created with, in seconds (its label); undefined without one. */
export function getRecordedTtl(labels: Readonly<Record<string, string>>): number | undefined {
  const value = Number(labels[LABELS.ttl]);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
