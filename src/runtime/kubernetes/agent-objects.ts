import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { NotFoundError } from '../../shared/errors.js';
import { specFacts } from '../agent-spec.js';
import type { ContainerDetails, ContainerState } from '../container-operations.js';
import { fromKubernetesMetadata } from './kube-labels.js';
import { EXIT_CODE_ANNOTATION, FINISHED_ANNOTATION, STATE_ANNOTATION, parseRecord } from './agent-record.js';
import { AGENT_CONTAINER_NAME } from './pod-spec.js';
import { DEADLINE_ANNOTATION, endedByDeadline } from './pod-deadline.js';

/** An agent as the cluster holds it: its record (ConfigMap) and, while it has one, its Pod. */
export interface AgentObjects {
  record: V1ConfigMap;
  pod?: V1Pod;
}

export function agentContainerStatus(pod: V1Pod | undefined) {
  return pod?.status?.containerStatuses?.find((status) => status.name === AGENT_CONTAINER_NAME);
}

/**
 * How the agent's command ended in this Pod: its container's end now, or, under a StatefulSet
 * (restart policy Always), the end before the kubelet ran it again. Undefined while it has not ended.
 */
export function agentExit(pod: V1Pod | undefined) {
  const status = agentContainerStatus(pod);
  if (status?.state?.terminated) return status.state.terminated;
  return (status?.restartCount ?? 0) > 0 ? status?.lastState?.terminated : undefined;
}

/**
 * The agent's id: its record's uid without dashes (32 hex digits; `ls` shows the first 12, as
 * for engine ids). The record lives as long as the agent (stop and start keep it), and a new agent
 * of the same name gets a new one. Never a valid record name (those start with `agentctl-`).
 */
export function agentId(record: V1ConfigMap): string {
  return (record.metadata?.uid ?? '').replace(/-/g, '');
}

export const AGENT_ID = /^[0-9a-f]{32}$/;

/** Kubelet waiting reasons that mean the Pod will not start by itself. */
export const IMAGE_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
export const CONFIG_FAILURES = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/**
 * Why a Pod that exists does not run yet, in the cluster's words: the scheduler's
 * (`Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.`) or the kubelet's
 * (`ImagePullBackOff: …`, `ContainerCreating`). `final` when it will not start by itself: no node
 * fits (this is not waited out: see docs/kubernetes.md, autoscaling), the image cannot be pulled,
 * the container cannot be created. Undefined when it runs, has run or is going.
 */
export function describePending(
  pod: V1Pod | undefined,
): { reason: string; message: string; final: boolean } | undefined {
  if (!pod || pod.metadata?.deletionTimestamp) return undefined;
  const status = agentContainerStatus(pod);
  if (status?.state?.running || agentExit(pod)) return undefined;
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined;
  const scheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled');
  if (scheduled?.status === 'False') {
    const message = scheduled.message ?? '';
    // Claims are bound by their provisioner right after creation: the scheduler waits for that.
    const transient = /unbound immediate PersistentVolumeClaims/i.test(message);
    return {
      reason: scheduled.reason ?? 'Unschedulable',
      message,
      final: scheduled.reason === 'Unschedulable' && !transient,
    };
  }
  for (const container of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const waiting = container.state?.waiting;
    if (waiting?.reason && (IMAGE_FAILURES.has(waiting.reason) || CONFIG_FAILURES.has(waiting.reason))) {
      return { reason: waiting.reason, message: waiting.message ?? '', final: true };
    }
  }
  const waiting =
    status?.state?.waiting ?? pod.status?.initContainerStatuses?.find((init) => init.state?.waiting)?.state?.waiting;
  if (waiting?.reason) return { reason: waiting.reason, message: waiting.message ?? '', final: false };
  if (!scheduled) return { reason: 'Pending', message: 'not scheduled yet', final: false };
  return undefined;
}

/** The engine state of an agent from its record and Pod, in the words the core uses for containers. */
export function toState(objects: AgentObjects): ContainerState {
  const { pod, record } = objects;
  if (!pod)
    return (record.metadata?.annotations?.[STATE_ANNOTATION] === 'exited' ? 'exited' : 'created') as ContainerState;
  // A Pod going after its agent's exit was recorded (a settled end, see agent-lifecycle.ts).
  if (pod.metadata?.deletionTimestamp)
    return record.metadata?.annotations?.[STATE_ANNOTATION] === 'exited' ? 'exited' : 'removing';
  const status = agentContainerStatus(pod);
  if (agentExit(pod)) return 'exited';
  if (status?.state?.running) return 'running';
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 'exited';
  return 'created';
}

export function toDetails(objects: AgentObjects): ContainerDetails {
  const { record, pod } = objects;
  const parsed = parseRecord(record);
  const spec = parsed?.spec;
  const state = toState(objects);
  const status = agentContainerStatus(pod);
  const annotations = record.metadata?.annotations ?? {};
  const terminated = agentExit(pod);
  const exitCodeText = terminated ? String(terminated.exitCode) : annotations[EXIT_CODE_ANNOTATION];
  const iso = (value: Date | string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());
  const pending = describePending(pod);
  const finishedAt = iso(terminated?.finishedAt) ?? annotations[FINISHED_ANNOTATION];
  const deadline = annotations[DEADLINE_ANNOTATION];
  const expired = state === 'exited' && endedByDeadline(deadline, finishedAt);
  return {
    id: agentId(record) || record.metadata!.name!,
    name: record.metadata!.name!,
    state,
    ...(pending ? { stateReason: pending.message ? `${pending.reason}: ${pending.message}` : pending.reason } : {}),
    ...(expired ? { stateReason: `TTL: stopped at the end of its lifetime (--ttl), ${deadline}` } : {}),
    labels: fromKubernetesMetadata(record.metadata),
    image: spec?.image ?? '',
    running: state === 'running',
    startedAt: iso(terminated?.startedAt ?? status?.state?.running?.startedAt),
    finishedAt,
    exitCode: exitCodeText === undefined ? undefined : Number(exitCodeText),
    user: spec ? `${spec.user.uid}:${spec.user.gid}` : '',
    env: (spec?.env ?? []).map((variable) => `${variable.name}=${variable.value}`),
    tty: spec?.terminal ?? false,
    openStdin: spec?.terminal ?? false,
    // Kubernetes limits PIDs per node (the kubelet's podPidsLimit), not per Pod: none to report.
    hostConfig: {
      nanoCpus: Math.round((spec?.limits.cpus ?? 0) * 1e9),
      memory: spec?.limits.memoryBytes ?? 0,
      pidsLimit: 0,
    },
    spec: spec ? specFacts({ ...spec, files: [] }) : { network: '', mounts: [], addCapabilities: [] },
    raw: { record, pod },
  };
}

/** CONTAINER_NOT_FOUND for agent record `id`: absent, or `removed` while agentctl waited on it. */
export function agentNotFound(id: string, namespace: string, removed = false): NotFoundError {
  return new NotFoundError(
    'CONTAINER_NOT_FOUND',
    removed ? `Agent ${id} was removed` : `No agent ${id} in namespace ${namespace}`,
    { hint: 'List agents with `agentctl ls --all`' },
  );
}

export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
