import type { V1Pod } from '@kubernetes/client-node';
import { EngineError, ImageError, TimeoutError } from '../../shared/errors.js';
import { CONTAINER_PREFIX } from '../../shared/labels.js';
import { CONFIG_FAILURES, IMAGE_FAILURES, agentContainerStatus, agentExit, describePending } from './agent-objects.js';
import type { KubeClient } from './kube-client.js';

const formatSeconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** The error for a Pod the cluster says will not start by itself (describePending's `final`). */
export function pendingError(
  name: string,
  pod: V1Pod,
  pending: { reason: string; message: string },
  recordName = name,
): Error {
  const namespace = pod.metadata?.namespace ?? '';
  const agent = recordName.replace(CONTAINER_PREFIX, '');
  if (IMAGE_FAILURES.has(pending.reason)) {
    const image =
      [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find(
        (container) => container.state?.waiting?.reason === pending.reason,
      )?.image ?? pod.spec?.containers[0]?.image;
    return new ImageError(
      'IMAGE_PULL_FAILED',
      `The cluster cannot pull ${image}: ${pending.message || pending.reason}`,
      {
        hint: 'Check the image reference and that the nodes can reach the registry (imagePullSecrets for a private one)',
        details: { agent, image, reason: pending.reason },
      },
    );
  }
  if (CONFIG_FAILURES.has(pending.reason)) {
    return new EngineError('POD_START_FAILED', `Agent ${agent} cannot start: ${pending.message || pending.reason}`, {
      hint: `Check the Pod with \`kubectl -n ${namespace} describe pod ${name}\``,
      details: { agent, reason: pending.reason },
    });
  }
  const placement = /node selector|affinity|taint/i.test(pending.message);
  return new EngineError('POD_UNSCHEDULABLE', `No node can run agent ${agent}: ${pending.message || pending.reason}`, {
    hint: placement
      ? 'Check kubernetes.pod (nodeSelector, tolerations, affinity) in the config against the nodes (`kubectl get nodes --show-labels`)'
      : 'Lower --cpus / --memory (they are also the requests), stop agents you do not need (`agentctl ls`), or add nodes',
    details: { agent, reason: pending.reason, scheduler: pending.message },
  });
}

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
      if (Date.now() > deadline)
        throw new TimeoutError(
          'POD_DELETE_TIMEOUT',
          `Pod ${name} was not gone within ${Math.round(timeoutMs / 1000)} s`,
          { hint: `Check it with \`kubectl -n ${namespace} describe pod ${name}\`` },
        );
      await sleep(250);
    }
  }

  /**
   * Waits until the agent's container runs (or has run), failing as soon as the cluster says it
   * will not: no node fits (POD_UNSCHEDULABLE), the image cannot be pulled, the container cannot be
   * created, a step before it failed. Ends at `timeoutMs` (POD_START_TIMEOUT, with the last reason
   * seen) and at once when `signal` aborts (its reason is thrown). `appears`: the Pod is made by
   * the agent's StatefulSet, so it may not exist yet.
   */
  async function waitPodStarted(
    name: string,
    options: {
      signal?: AbortSignal;
      timeoutMs?: number;
      appears?: boolean;
      recordName?: string;
      /** Run once when this init container of the Pod runs (the workspace upload waits for it). */
      whenInitRuns?: { container: string; run(pod: V1Pod): Promise<void> };
    } = {},
  ): Promise<void> {
    let initDone = false;
    const recordName = options.recordName ?? name;
    const agent = recordName.replace(CONTAINER_PREFIX, '');
    const { signal } = options;
    const timeoutMs = options.timeoutMs ?? deps.startTimeoutMs ?? 300_000;
    const deadline = Date.now() + timeoutMs;
    let delay = 100;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const pod = await readPod(name);
      if (signal?.aborted) throw signal.reason;
      if (!pod && options.appears) {
        if (Date.now() >= deadline) {
          throw new TimeoutError(
            'POD_START_TIMEOUT',
            `Agent ${agent} did not start within ${formatSeconds(timeoutMs)} (its StatefulSet made no Pod)`,
            {
              hint: `See why with \`kubectl -n ${namespace} describe statefulset ${recordName}\``,
              details: { agent: agent },
            },
          );
        }
        await pause(Math.min(delay, Math.max(0, deadline - Date.now())), signal);
        delay = Math.min(delay * 2, 1000);
        continue;
      }
      if (!pod)
        throw new EngineError('POD_GONE', `The Pod of agent ${recordName} was deleted while it started`, {
          hint: 'Start it again; check for another agentctl or a cluster policy removing Pods',
        });
      const status = agentContainerStatus(pod);
      if (status?.state?.running || agentExit(pod)) return;
      const hook = options.whenInitRuns;
      if (hook && !initDone) {
        const init = pod.status?.initContainerStatuses?.find((item) => item.name === hook.container);
        if (init?.state?.running) {
          initDone = true;
          await hook.run(pod);
          continue;
        }
      }
      for (const init of pod.status?.initContainerStatuses ?? []) {
        const terminated = init.state?.terminated ?? init.lastState?.terminated;
        if (terminated && terminated.exitCode !== 0) {
          const log = await core
            .readNamespacedPodLog({ name, namespace, container: init.name, tailLines: 5 })
            .catch(() => '');
          const what = init.name === 'clone-workspace' ? 'clone the workspace' : 'prepare the state volume';
          throw new EngineError(
            init.name === 'clone-workspace' ? 'WORKSPACE_CLONE_FAILED' : 'STATE_PREPARE_FAILED',
            `The Pod of agent ${recordName} could not ${what}: ${String(log).trim().split('\n').pop() || terminated.reason || `exit code ${terminated.exitCode}`}`,
            {
              hint:
                init.name === 'clone-workspace'
                  ? 'Push the commit to the remote, and make sure the cluster can reach and read that remote'
                  : 'Check the storage class and the image (it needs sh, mkdir and chown)',
              details: { agent: recordName, container: init.name },
            },
          );
        }
      }
      const pending = describePending(pod);
      if (pending?.final) throw pendingError(name, pod, pending, recordName);
      if (Date.now() >= deadline) {
        const why = pending
          ? `${pending.reason}${pending.message ? `: ${pending.message}` : ''}`
          : `still ${pod.status?.phase ?? 'Pending'}`;
        throw new TimeoutError(
          'POD_START_TIMEOUT',
          `Agent ${agent} did not start within ${formatSeconds(timeoutMs)} (${why})`,
          {
            hint: `Start again with a longer --wait-timeout, or see what the cluster says with \`kubectl -n ${namespace} describe pod ${name}\``,
            details: { agent, ...(pending ? { reason: pending.reason } : {}) },
          },
        );
      }
      await pause(Math.min(delay, Math.max(0, deadline - Date.now())), signal);
      delay = Math.min(delay * 2, 1000);
    }
  }

  /** sleep, cut short by the signal (its reason is thrown). */
  async function pause(ms: number, signal?: AbortSignal): Promise<void> {
    if (!signal) return sleep(ms);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([sleep(ms), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  return { waitPodGone, waitPodStarted };
}
