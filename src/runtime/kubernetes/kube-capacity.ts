import type { BackendCheck } from '../container-runtime.js';
import { kubeMessage, kubeStatus, type KubeClient } from './kube-client.js';

/** What one agent asks the scheduler for (its requests: the config's `kubernetes.requests`, else its limits). */
export interface AgentRequests {
  cpus: number;
  memoryBytes: number;
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** A Kubernetes quantity (`3800m`, `16318920Ki`, `4`, `1e3`) as a number; undefined when it is none. */
export function parseQuantity(text: string | undefined): number | undefined {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)$/.exec(
    text?.trim() ?? '',
  );
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2]!;
  return value * (BINARY[unit] ?? DECIMAL[unit] ?? 1);
}

interface NodeCapacity {
  name: string;
  cpus: number;
  memoryBytes: number;
  pods: number;
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/** How many agents of `requests` a node's allocatable resources hold (before what already runs there). */
function agentsThatFit(node: NodeCapacity, requests: AgentRequests): number {
  const byCpu = requests.cpus > 0 ? Math.floor(node.cpus / requests.cpus + 1e-9) : Infinity;
  const byMemory = requests.memoryBytes > 0 ? Math.floor(node.memoryBytes / requests.memoryBytes) : Infinity;
  return Math.min(byCpu, byMemory, node.pods);
}

/**
 * `doctor`'s capacity line: the nodes that take Pods, their allocatable CPU and memory against what
 * an agent started with the defaults asks for, so that a default that no node can hold (a start
 * that would stay Pending) is said before the start. Listing nodes is a cluster-wide permission
 * many users lack: then it is not checked, and says so.
 */
export async function capacityCheck(client: KubeClient, requests: AgentRequests): Promise<BackendCheck> {
  const base = { id: 'capacity', title: 'Node capacity' } as const;
  const asked = `${requests.cpus} CPUs, ${gib(requests.memoryBytes)}`;
  let list: Awaited<ReturnType<KubeClient['core']['listNode']>>;
  try {
    list = await client.core.listNode();
  } catch (error) {
    const status = kubeStatus(error);
    return {
      ...base,
      status: 'skip',
      message:
        status === 401 || status === 403
          ? 'not checked: listing nodes is not allowed (a cluster-wide permission)'
          : `not checked: ${kubeMessage(error)}`,
    };
  }
  const nodes: NodeCapacity[] = [];
  for (const node of list.items) {
    const ready = node.status?.conditions?.some(
      (condition) => condition.type === 'Ready' && condition.status === 'True',
    );
    if (!ready || node.spec?.unschedulable) continue;
    const allocatable = node.status?.allocatable ?? {};
    nodes.push({
      name: node.metadata?.name ?? '?',
      // To the millicore, as the cluster counts it (3800m is 3.8, not 3.8000000000000003).
      cpus: Math.round((parseQuantity(allocatable.cpu) ?? 0) * 1000) / 1000,
      memoryBytes: parseQuantity(allocatable.memory) ?? 0,
      pods: parseQuantity(allocatable.pods) ?? Infinity,
    });
  }
  if (nodes.length === 0)
    return {
      ...base,
      status: 'warn',
      message: 'no node is Ready and schedulable: agents stay Pending',
      fix: 'See `kubectl get nodes`',
      details: { requests },
    };
  const fits = nodes.map((node) => ({ ...node, agents: agentsThatFit(node, requests) }));
  const best = fits.reduce((a, b) => (b.agents > a.agents ? b : a));
  const details = {
    requests,
    nodes: fits.map(({ name, cpus, memoryBytes, pods, agents }) => ({
      name,
      cpus,
      memoryBytes,
      pods: Number.isFinite(pods) ? pods : null,
      agents,
    })),
  };
  const largest = `${best.name}: ${best.cpus} CPUs, ${gib(best.memoryBytes)} allocatable`;
  if (best.agents === 0)
    return {
      ...base,
      status: 'warn',
      message: `no node can hold an agent of the defaults (${asked}); largest ${largest}`,
      fix: 'Start agents with lower --cpus and --memory, or set kubernetes.requests below the limits in your config',
      details,
    };
  const total = fits.reduce((sum, node) => sum + node.agents, 0);
  return {
    ...base,
    status: 'ok',
    message: `${total} agent${total === 1 ? '' : 's'} of the defaults (${asked}) fit${total === 1 ? 's' : ''} in the allocatable resources of ${nodes.length} node${nodes.length === 1 ? '' : 's'}, before what already runs there (largest ${largest})`,
    details,
  };
}
