import type { AppsV1Api, V1ConfigMap, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { kubeError, kubeStatus, orUndefined, type KubeClient } from './kube-client.js';
import { RECORD_UID_LABEL, ownedByRecord } from './record-pod.js';

/**
 * The StatefulSet's Pod is always its name plus `-0` (one replica). A bare Pod (`run`) is named
 * as its record.
 */
export function controlledPodName(recordName: string): string {
  return `${recordName}-0`;
}

/**
 * The controller of an agent started with `start`: a StatefulSet of one replica, owned by the
 * record, whose template is the agent's Pod. It puts the Pod back when it goes (a drain, an
 * eviction, a lost node, `kubectl delete pod`); its replicas are the agent's state: 1 started,
 * 0 stopped. The agent's claim is the one agentctl made (the template names it), not a claim
 * template: it is made, kept and removed exactly as on the engines (`rm --volumes`, `prune`).
 * See docs/kubernetes.md for why a StatefulSet.
 */
export function buildStatefulSet(name: string, pod: V1Pod, record: V1ConfigMap, replicas: number): V1StatefulSet {
  const labels = pod.metadata?.labels ?? {};
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name,
      labels,
      annotations: pod.metadata?.annotations ?? {},
      ownerReferences: [ownedByRecord(record)],
    },
    spec: {
      replicas,
      // Required by the API; no Service of this name is made (agents are not addressed by DNS).
      serviceName: name,
      // One replica: Parallel only spares the ordered-start bookkeeping.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { [RECORD_UID_LABEL]: record.metadata!.uid! } },
      template: {
        metadata: { labels, annotations: pod.metadata?.annotations ?? {} },
        // A StatefulSet's Pods can only be restarted by the kubelet (`Always`): an agent whose
        // command ends is shown exited and stopped by agentctl when it sees that (agent-objects.ts).
        spec: { ...pod.spec!, restartPolicy: 'Always' },
      },
    },
  };
}

/** The Pod the StatefulSet will make, as admission sees it (for a dry run). */
export function controlledPod(controller: V1StatefulSet): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...controller.spec!.template.metadata, name: controlledPodName(controller.metadata!.name!) },
    spec: controller.spec!.template.spec!,
  };
}

/** The StatefulSet calls agentctl makes: create, read, scale, delete. */
export function createControllerCalls(client: KubeClient) {
  const { namespace } = client;
  let apps: Promise<AppsV1Api> | undefined;
  const api = () => (apps ??= client.api().then(({ config, lib }) => config.makeApiClient(lib.AppsV1Api) as AppsV1Api));

  return {
    async readController(name: string): Promise<V1StatefulSet | undefined> {
      const calls = await api();
      return orUndefined(calls.readNamespacedStatefulSet({ name, namespace })).catch((error: unknown) => {
        throw kubeError(`read the StatefulSet ${name}`, error, client);
      });
    },

    async createController(body: V1StatefulSet): Promise<void> {
      const calls = await api();
      await calls.createNamespacedStatefulSet({ namespace, body }).catch((error: unknown) => {
        throw kubeError(`create the StatefulSet ${body.metadata!.name!}`, error, client);
      });
    },

    /**
     * replicas 1 (start) or 0 (stop), as a JSON patch: no read-modify-write race. A start also
     * replaces the Pod template with the one made from the record now (files added since).
     */
    async scaleController(name: string, replicas: 0 | 1, template?: V1StatefulSet['spec']): Promise<void> {
      const calls = await api();
      await calls
        .patchNamespacedStatefulSet({
          name,
          namespace,
          body: [
            ...(template ? [{ op: 'replace', path: '/spec/template', value: template.template }] : []),
            { op: 'replace', path: '/spec/replicas', value: replicas },
          ],
        })
        .catch((error: unknown) => {
          throw kubeError(`${replicas === 0 ? 'stop' : 'start'} the StatefulSet ${name}`, error, client);
        });
    },

    /** Deletes the StatefulSet; absent is fine. Its Pod is deleted by the caller. */
    async deleteController(name: string): Promise<void> {
      const calls = await api();
      await calls
        .deleteNamespacedStatefulSet({ name, namespace, propagationPolicy: 'Background' })
        .catch((error: unknown) => {
          if (kubeStatus(error) !== 404) throw kubeError(`delete the StatefulSet ${name}`, error, client);
        });
    },

    /**
     * Asks admission about the controller's Pod before the controller exists: a Pod the cluster
     * refuses (quota, RuntimeClass, Pod Security, a webhook) would otherwise be only an event on
     * the StatefulSet. A server-side dry run creates nothing.
     */
    async admitPod(pod: V1Pod): Promise<void> {
      await client.core.createNamespacedPod({ namespace, body: pod, dryRun: 'All' }).catch((error: unknown) => {
        if (kubeStatus(error) === 409) return;
        throw kubeError(`create the Pod of ${pod.metadata!.name!}`, error, client);
      });
    },
  };
}

export type ControllerCalls = ReturnType<typeof createControllerCalls>;
