import type { BackendCheck } from '../container-runtime.js';
import { kubeMessage, type KubeClient } from './kube-client.js';

/**
 * Whether the cluster's network plugin enforces NetworkPolicy: no API says so, so this is a
 * heuristic — the DaemonSets in kube-system of network plugins known to enforce it. A cluster
 * whose plugin runs elsewhere (another namespace, a managed data plane) may enforce it unseen, and
 * a plugin found may have policy enforcement turned off: the wording says "known" and "found".
 */
export const ENFORCING_PLUGINS: readonly { daemonSet: RegExp; plugin: string }[] = [
  { daemonSet: /^calico-node$/, plugin: 'Calico' },
  { daemonSet: /^canal$/, plugin: 'Canal (Calico)' },
  { daemonSet: /^cilium$/, plugin: 'Cilium' },
  { daemonSet: /^anetd$/, plugin: 'GKE Dataplane V2 (Cilium)' },
  { daemonSet: /^kube-router$/, plugin: 'kube-router' },
  { daemonSet: /^antrea-agent$/, plugin: 'Antrea' },
  { daemonSet: /^weave-net$/, plugin: 'Weave Net' },
  { daemonSet: /^kube-ovn-cni$/, plugin: 'Kube-OVN' },
];

export type NetworkPolicyEnforcement =
  { enforced: true; plugin: string; daemonSet: string } | { enforced: false } | { enforced: undefined; reason: string };

/** The first known enforcing plugin among the DaemonSets' names. */
export function findEnforcingPlugin(daemonSets: readonly string[]): NetworkPolicyEnforcement {
  for (const name of daemonSets) {
    const known = ENFORCING_PLUGINS.find((item) => item.daemonSet.test(name));
    if (known) return { enforced: true, plugin: known.plugin, daemonSet: name };
  }
  return { enforced: false };
}

export async function detectNetworkPolicyEnforcement(client: KubeClient): Promise<NetworkPolicyEnforcement> {
  try {
    const { config, lib } = await client.api();
    const apps = config.makeApiClient(lib.AppsV1Api);
    const list = await apps.listNamespacedDaemonSet({ namespace: 'kube-system' });
    return findEnforcingPlugin(list.items.map((item) => item.metadata?.name ?? ''));
  } catch (error) {
    return { enforced: undefined, reason: `cannot list the DaemonSets in kube-system: ${kubeMessage(error)}` };
  }
}

/** The start warning for a cluster where NetworkPolicy is not known to be enforced; undefined where it is. */
export function isolationWarning(found: NetworkPolicyEnforcement): string | undefined {
  if (found.enforced === true) return undefined;
  const why =
    found.enforced === false
      ? 'no network plugin known to enforce NetworkPolicy was found in kube-system'
      : `whether NetworkPolicy is enforced is not known (${found.reason})`;
  return `${why}: on this cluster a process in the agent that ignores HTTPS_PROXY can connect directly to other addresses; keys bound to services still never enter the agent (\`agentctl doctor\` says more)`;
}

/** `agentctl doctor` on Kubernetes: whether the NetworkPolicy of allowlist and learn agents holds. */
export function networkPolicyCheck(found: NetworkPolicyEnforcement): BackendCheck {
  const base = { id: 'network-policy', title: 'NetworkPolicy' };
  if (found.enforced === true)
    return {
      ...base,
      status: 'ok',
      message: `enforced, as far as can be seen: ${found.plugin} runs in kube-system (DaemonSet ${found.daemonSet})`,
      details: { enforced: true, plugin: found.plugin, daemonSet: found.daemonSet },
    };
  if (found.enforced === false)
    return {
      ...base,
      status: 'warn',
      message:
        'not enforced: no network plugin known to enforce NetworkPolicy was found in kube-system; an allowlist or learn agent that ignores its proxy can connect directly',
      fix: 'Use a network plugin that enforces NetworkPolicy (Calico, Cilium, Antrea, kube-router…); keys bound to services never enter the agent either way',
      details: { enforced: false },
    };
  return {
    ...base,
    status: 'warn',
    message: `unknown: ${found.reason}`,
    fix: 'Ask your cluster admin whether the network plugin enforces NetworkPolicy',
    details: { enforced: null },
  };
}
