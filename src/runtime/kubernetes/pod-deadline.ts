import type { V1Pod, V1Probe } from '@kubernetes/client-node';
import { LABELS } from '../../shared/labels.js';
import { AGENT_CONTAINER_NAME } from './pod-spec.js';

/** When the agent's lifetime (`start --ttl`) ends: on its record and its Pod (ISO time). */
export const DEADLINE_ANNOTATION = 'agentctl.io/deadline';

/** How often the kubelet checks the deadline, and how many failed checks in a row stop the agent. */
const CHECK_PERIOD_SECONDS = 5;
const FAILED_CHECKS = 2;

/** The end of the lifetime an agent was created with (its io.agentctl.ttl label), counted from `now`. */
export function getDeadline(labels: Readonly<Record<string, string>>, now: number): Date | undefined {
  const seconds = Number(labels[LABELS.ttl]);
  return Number.isSafeInteger(seconds) && seconds > 0 ? new Date(now + seconds * 1000) : undefined;
}

/**
 * Holds the Pod's agent container to `deadline`, enforced by the kubelet, so that it holds while
 * agentctl is not running and needs no permission in the Pod: a liveness probe that fails once the
 * node's clock passes the deadline (the kubelet then stops the container: SIGTERM, SIGKILL after
 * the grace period), and the same check as a postStart hook, so that a container the kubelet starts
 * again (its restart policy is Always under a StatefulSet), or a Pod the StatefulSet puts back, is
 * stopped as it starts. The next agentctl command that sees the end records it and scales the
 * StatefulSet to 0 (agent-lifecycle.ts, settleExit). Why not the alternatives (activeDeadlineSeconds,
 * a CronJob, a timer in the container): docs/kubernetes.md.
 *
 * Two failed checks in a row, not one: an exec that fails for a reason of its own (a loaded node)
 * must not end an agent before its time. The check needs `sh` and `date` in the image, as the init
 * steps need `sh`.
 */
export function withDeadline(pod: V1Pod, deadline: Date): V1Pod {
  const epoch = Math.floor(deadline.getTime() / 1000);
  const check = { exec: { command: ['sh', '-c', `[ "$(date +%s)" -lt ${epoch} ]`] } };
  const probe: V1Probe = {
    ...check,
    periodSeconds: CHECK_PERIOD_SECONDS,
    timeoutSeconds: CHECK_PERIOD_SECONDS,
    failureThreshold: FAILED_CHECKS,
  };
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      annotations: { ...pod.metadata?.annotations, [DEADLINE_ANNOTATION]: deadline.toISOString() },
    },
    spec: {
      ...pod.spec!,
      containers: pod.spec!.containers.map((container) =>
        container.name === AGENT_CONTAINER_NAME
          ? { ...container, livenessProbe: probe, lifecycle: { ...container.lifecycle, postStart: check } }
          : container,
      ),
    },
  };
}

/**
 * Whether the agent was stopped by its deadline: it ended at or after it (the kubelet stops it only
 * then; a `stop` before the deadline ends it before). Both times are the node's and this machine's
 * clocks, assumed to agree to within seconds.
 */
export function endedByDeadline(deadline: string | undefined, finishedAt: string | undefined): boolean {
  if (!deadline || !finishedAt) return false;
  const end = Date.parse(finishedAt);
  return Number.isFinite(end) && end >= Date.parse(deadline);
}
