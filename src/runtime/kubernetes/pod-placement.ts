import type { V1Pod } from '@kubernetes/client-node';
import type { KubernetesPodSettings, KubernetesRequests } from '../../config/kubernetes-schema.js';

/**
 * Where an agent's Pod goes and who it is, from the config (`kubernetes.pod`, `kubernetes.requests`):
 * kept in the agent's record when it is created, so that every Pod of the agent (a start after a
 * stop, one its StatefulSet puts back) is placed alike.
 */
export interface PodPlacement {
  pod?: KubernetesPodSettings;
  /** What the scheduler reserves, when below the limits. */
  requests?: { cpus?: number; memoryBytes?: number };
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** The config's requests in the record's terms (memory in bytes, binary units as for --memory). */
export function toPlacement(pod: KubernetesPodSettings | undefined, requests: KubernetesRequests | undefined) {
  const memory = requests?.memory ? /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(requests.memory.trim()) : null;
  const placement: PodPlacement = {
    ...(pod ? { pod } : {}),
    ...(requests?.cpus !== undefined || memory
      ? {
          requests: {
            ...(requests?.cpus !== undefined ? { cpus: requests.cpus } : {}),
            ...(memory ? { memoryBytes: Math.floor(Number(memory[1]) * UNITS[memory[2]!.toLowerCase()]!) } : {}),
          },
        }
      : {}),
  };
  return placement.pod || placement.requests ? placement : undefined;
}

/**
 * The Pod with the placement applied: the scheduling fields and identity as given; extra labels and
 * annotations beside agentctl's own (which win); the agent container's requests lowered (never above
 * its limits: the API server refuses requests over limits).
 */
export function applyPlacement(pod: V1Pod, placement: PodPlacement | undefined): V1Pod {
  if (!placement) return pod;
  const settings = placement.pod ?? {};
  const spec = pod.spec!;
  const containers = spec.containers.map((container, index) => {
    if (index !== 0 || !placement.requests || !container.resources?.limits) return container;
    const limits = container.resources.limits;
    const requests = { ...container.resources.requests };
    const { cpus, memoryBytes } = placement.requests;
    if (cpus !== undefined) {
      const limit = parseMillicores(limits.cpu);
      requests.cpu = `${Math.max(1, Math.min(limit, Math.round(cpus * 1000)))}m`;
    }
    if (memoryBytes !== undefined) requests.memory = String(Math.min(Number(limits.memory), memoryBytes));
    return { ...container, resources: { ...container.resources, requests } };
  });
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      labels: { ...settings.labels, ...pod.metadata?.labels },
      annotations: { ...settings.annotations, ...pod.metadata?.annotations },
    },
    spec: {
      ...spec,
      containers,
      ...(settings.nodeSelector ? { nodeSelector: settings.nodeSelector } : {}),
      ...(settings.tolerations ? { tolerations: settings.tolerations } : {}),
      ...(settings.affinity ? { affinity: settings.affinity as NonNullable<V1Pod['spec']>['affinity'] } : {}),
      ...(settings.priorityClassName ? { priorityClassName: settings.priorityClassName } : {}),
      ...(settings.serviceAccountName ? { serviceAccountName: settings.serviceAccountName } : {}),
      ...(settings.imagePullSecrets ? { imagePullSecrets: settings.imagePullSecrets.map((name) => ({ name })) } : {}),
    },
  };
}

function parseMillicores(quantity: string | undefined): number {
  if (!quantity) return Number.POSITIVE_INFINITY;
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}
