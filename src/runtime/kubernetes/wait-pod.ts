import type { V1Pod } from '@kubernetes/client-node';
import { EngineError, ImageError, TimeoutError } from '../../core/errors.js';
import { agentContainerStatus } from './agent-objects.js';
import type { KubeClient } from './kube-client.js';

/** Waiting reasons of the kubelet that mean the Pod will not start by itself. */
const IMAGE_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_FAILURES = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

export interface PodWaitDeps {
  client: KubeClient;
  readPod(name: string): Promise<V1Pod | undefined>;
  sleep(ms: number): Promise<void>;
  /** How long waitPodStarted waits for the agent's container to run (image pulls included). */
  startTimeoutMs?: number;
}

/** Waiting for a Pod to go, or for its agent container to start (with the kubelet's reasons when it will not). */
export function createPodWaits(deps: PodWaitDeps) {
  const { readPod, sleep } = deps;
  const { core, namespace } = deps.client;

  /** Waits until the Pod is gone; the last status seen (its exit) is returned. */
  async function waitPodGone(name: string, uid: string | undefined, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    let last: V1Pod | undefined;
    for (;;) {
      const pod = await readPod(name);
      if (!pod || (uid && pod.metadata?.uid !== uid)) return last;
      last = pod;
      if (Date.now() > deadline) throw new TimeoutError('POD_DELETE_TIMEOUT', `Pod ${name} was not gone within ${Math.round(timeoutMs / 1000)} s`, { hint: `Check it with \`kubectl -n ${namespace} describe pod ${name}\`` });
      await sleep(250);
    }
  }

  /** Waits until the agent's container runs (or has run), failing early on what will not pass. */
  async function waitPodStarted(name: string): Promise<void> {
    const deadline = Date.now() + (deps.startTimeoutMs ?? 300_000);
    let delay = 100;
    for (;;) {
      const pod = await readPod(name);
      if (!pod) throw new EngineError('POD_GONE', `The Pod of agent ${name} was deleted while it started`, { hint: 'Start it again; check for another agentctl or a cluster policy removing Pods' });
      const status = agentContainerStatus(pod);
      if (status?.state?.running || status?.state?.terminated) return;
      const scheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled');
      for (const init of pod.status?.initContainerStatuses ?? []) {
        const terminated = init.state?.terminated ?? init.lastState?.terminated;
        if (terminated && terminated.exitCode !== 0) {
          const log = await core.readNamespacedPodLog({ name, namespace, container: init.name, tailLines: 5 }).catch(() => '');
          const what = init.name === 'clone-workspace' ? 'clone the workspace' : 'prepare the state volume';
          throw new EngineError(init.name === 'clone-workspace' ? 'WORKSPACE_CLONE_FAILED' : 'STATE_PREPARE_FAILED', `The Pod of agent ${name} could not ${what}: ${String(log).trim().split('\n').pop() || terminated.reason || `exit code ${terminated.exitCode}`}`, {
            hint: init.name === 'clone-workspace' ? 'Push the commit to the remote, and make sure the cluster can reach and read that remote' : 'Check the storage class and the image (it needs sh, mkdir and chown)',
            details: { agent: name, container: init.name },
          });
        }
      }
      for (const container of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
        const reason = container.state?.waiting?.reason;
        if (reason && IMAGE_FAILURES.has(reason)) {
          throw new ImageError('IMAGE_PULL_FAILED', `The cluster cannot pull ${container.image}: ${container.state?.waiting?.message ?? reason}`, {
            hint: 'Check the image reference and that the nodes can reach the registry (imagePullSecrets for a private one)',
            details: { agent: name, image: container.image, reason },
          });
        }
        if (reason && CONFIG_FAILURES.has(reason)) {
          throw new EngineError('POD_START_FAILED', `The Pod of agent ${name} cannot start: ${container.state?.waiting?.message ?? reason}`, {
            hint: `Check the Pod with \`kubectl -n ${namespace} describe pod ${name}\``,
            details: { agent: name, reason },
          });
        }
      }
      if (Date.now() > deadline) {
        const why = scheduled?.status === 'False' ? `not scheduled: ${scheduled.message ?? scheduled.reason}` : `still ${pod.status?.phase ?? 'Pending'}`;
        throw new TimeoutError('POD_START_TIMEOUT', `The Pod of agent ${name} did not start (${why})`, {
          hint: 'Lower --cpus / --memory if no node has room, or check the cluster with `kubectl describe pod`',
          details: { agent: name },
        });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 1000);
    }
  }

  return { waitPodGone, waitPodStarted };
}
