import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { NotFoundError } from '../../core/errors.js';
import type { ContainerDetails, ContainerState } from '../container-operations.js';
import { fromKubernetesMetadata } from './kube-labels.js';
import { AGENT_CONTAINER_NAME, EXIT_CODE_ANNOTATION, FINISHED_ANNOTATION, STATE_ANNOTATION, parseRecord } from './pod-spec.js';

/** An agent as the cluster holds it: its record (ConfigMap) and, while it has one, its Pod. */
export interface AgentObjects {
  record: V1ConfigMap;
  pod?: V1Pod;
}

export function agentContainerStatus(pod: V1Pod | undefined) {
  return pod?.status?.containerStatuses?.find((status) => status.name === AGENT_CONTAINER_NAME);
}

/** The engine state of an agent from its record and Pod, in the words the core uses for containers. */
export function toState(objects: AgentObjects): ContainerState {
  const { pod, record } = objects;
  if (!pod) return (record.metadata?.annotations?.[STATE_ANNOTATION] === 'exited' ? 'exited' : 'created') as ContainerState;
  if (pod.metadata?.deletionTimestamp) return 'removing';
  const status = agentContainerStatus(pod);
  if (status?.state?.running) return 'running';
  if (status?.state?.terminated || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 'exited';
  return 'created';
}

export function toDetails(objects: AgentObjects): ContainerDetails {
  const { record, pod } = objects;
  const parsed = parseRecord(record);
  const spec = parsed?.spec;
  const state = toState(objects);
  const status = agentContainerStatus(pod);
  const annotations = record.metadata?.annotations ?? {};
  const terminated = status?.state?.terminated;
  const exitCodeText = terminated ? String(terminated.exitCode) : annotations[EXIT_CODE_ANNOTATION];
  const iso = (value: Date | string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());
  return {
    id: record.metadata!.name!,
    name: record.metadata!.name!,
    state,
    labels: fromKubernetesMetadata(record.metadata),
    image: spec?.Image ?? '',
    running: state === 'running',
    startedAt: iso(status?.state?.running?.startedAt ?? terminated?.startedAt),
    finishedAt: iso(terminated?.finishedAt) ?? annotations[FINISHED_ANNOTATION],
    exitCode: exitCodeText === undefined ? undefined : Number(exitCodeText),
    user: spec?.User ?? '',
    env: spec?.Env ?? [],
    tty: spec?.Tty ?? false,
    // Kubernetes limits PIDs per node (the kubelet's podPidsLimit), not per Pod: none to report.
    hostConfig: { nanoCpus: spec?.HostConfig.NanoCpus ?? 0, memory: spec?.HostConfig.Memory ?? 0, pidsLimit: 0 },
    raw: { record, pod },
  };
}

/** CONTAINER_NOT_FOUND for agent record `id`: absent, or `removed` while agentctl waited on it. */
export function agentNotFound(id: string, namespace: string, removed = false): NotFoundError {
  return new NotFoundError('CONTAINER_NOT_FOUND', removed ? `Agent ${id} was removed` : `No agent ${id} in namespace ${namespace}`, { hint: 'List agents with `agentctl ls --all`' });
}

export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
