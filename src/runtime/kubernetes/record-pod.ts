import type { V1ConfigMap, V1Pod, V1PodSpec, V1SecurityContext } from '@kubernetes/client-node';
import { toKubernetesMetadata } from './kube-labels.js';

/**
 * Labels on every Pod of an agent (its StatefulSet's, or the bare Pod of `run`): the record's name
 * and uid. Commands find an agent's Pod by them, whatever its name (`agentctl-NAME-0` under a
 * StatefulSet) and whoever made it; the uid tells it from a Pod of an earlier agent of that name.
 */
export const RECORD_NAME_LABEL = 'agentctl.io/record';
export const RECORD_UID_LABEL = 'agentctl.io/record-uid';

/** CPUs as a Kubernetes quantity in thousandths (`1500m`), a thousandth at the least. */
export function cpuQuantity(cpus: number): string {
  return `${Math.max(1, Math.round(cpus * 1000))}m`;
}

/** CPU and memory limits as Kubernetes quantities. */
export function limitQuantities(limits: { cpus: number; memoryBytes: number }): { cpu: string; memory: string } {
  return { cpu: cpuQuantity(limits.cpus), memory: String(limits.memoryBytes) };
}

/** The labels that tie a Pod to its agent's record (RECORD_NAME_LABEL, RECORD_UID_LABEL). */
export function recordLabels(record: V1ConfigMap): Record<string, string> {
  return { [RECORD_NAME_LABEL]: record.metadata!.name!, [RECORD_UID_LABEL]: record.metadata!.uid! };
}

/** An owner reference to the agent's record: deleting the record deletes what it owns. */
export function ownedByRecord(record: V1ConfigMap) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: record.metadata!.name!,
    uid: record.metadata!.uid!,
    controller: false,
    blockOwnerDeletion: false,
  };
}

/**
 * A container's security context, as hardened as on the engines: never privileged, no privilege
 * escalation, every capability dropped but `add`. As root only for the one step that prepares a volume.
 */
export function containerSecurity(
  runAs: { uid: number; gid: number } | 'root',
  options: { add?: string[]; readOnlyRootFilesystem?: boolean } = {},
): V1SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: options.readOnlyRootFilesystem ?? false,
    ...(runAs === 'root'
      ? { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false }
      : { runAsUser: runAs.uid, runAsGroup: runAs.gid, runAsNonRoot: true }),
    capabilities: { drop: ['ALL'], ...(options.add && options.add.length > 0 ? { add: options.add } : {}) },
  };
}

/**
 * The Pod every agentctl record has (an agent's, the egress gateway's): tied to its record by
 * labels and owner reference, without a service account token or service links, seccomp's
 * RuntimeDefault, its volumes the user's group's.
 */
export function recordPod(
  name: string,
  owner: V1ConfigMap,
  labels: Record<string, string>,
  groups: { gid: number; extraGroups?: number[] },
  spec: Omit<V1PodSpec, 'automountServiceAccountToken' | 'enableServiceLinks' | 'securityContext'>,
): V1Pod {
  const meta = toKubernetesMetadata(labels);
  const extraGroups = groups.extraGroups ?? [];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: { ...meta.labels, ...recordLabels(owner) },
      annotations: meta.annotations,
      ownerReferences: [ownedByRecord(owner)],
    },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        fsGroup: groups.gid,
        ...(extraGroups.length > 0 ? { supplementalGroups: extraGroups } : {}),
        seccompProfile: { type: 'RuntimeDefault' },
      },
      ...spec,
    },
  };
}
