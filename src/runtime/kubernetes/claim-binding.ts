import type { KubeClient } from './kube-client.js';

// A claim of a storage class that binds at once (volumeBindingMode Immediate) is Pending for a
// moment after its create. A Pod made meanwhile is refused by the scheduler ("unbound immediate
// PersistentVolumeClaims"), which then backs off before it tries again: 1, 2, 4 s… With many agents
// started at once (`start --count 50`) most Pods paid that back-off. Waiting for the binding before
// the Pod is made costs the binding's own time only.

/** How long a start waits for an Immediate claim to be bound before it makes the Pod anyway. */
export const CLAIM_BIND_WAIT_MS = 10_000;

export function createClaimBinding(deps: { client: KubeClient; sleep(ms: number): Promise<void> }) {
  const { client, sleep } = deps;
  const { core, namespace } = client;
  // One read per storage class and process (`start --count` asks for each agent).
  const modes = new Map<string, Promise<string | undefined>>();
  const bindingMode = (storageClass: string) => {
    let mode = modes.get(storageClass);
    if (!mode) {
      mode = client
        .api()
        .then(({ config, lib }) => config.makeApiClient(lib.StorageV1Api).readStorageClass({ name: storageClass }))
        .then(
          (found) => found.volumeBindingMode,
          // Not allowed to read storage classes (a cluster-scoped read): the scheduler waits instead.
          () => undefined,
        );
      modes.set(storageClass, mode);
    }
    return mode;
  };

  /** Waits until claim `name` is bound, when its storage class binds at once; else returns at once. */
  return async function waitClaimBound(name: string, signal?: AbortSignal): Promise<void> {
    const read = () => core.readNamespacedPersistentVolumeClaim({ name, namespace }).catch(() => undefined);
    let claim = await read();
    if (!claim || claim.status?.phase !== 'Pending' || !claim.spec?.storageClassName) return;
    if ((await bindingMode(claim.spec.storageClassName)) !== 'Immediate') return;
    const deadline = Date.now() + CLAIM_BIND_WAIT_MS;
    let delay = 50;
    while (claim?.status?.phase === 'Pending' && Date.now() < deadline) {
      if (signal?.aborted) throw signal.reason;
      await sleep(delay);
      delay = Math.min(delay * 2, 400);
      claim = await read();
    }
  };
}
