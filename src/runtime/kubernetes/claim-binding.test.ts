import { describe, expect, it } from 'vitest';
import { createClaimBinding } from './claim-binding.js';
import type { KubeClient } from './kube-client.js';

/** A client whose claim `home` is Pending for `pendingReads` reads, of a class binding as `mode`. */
function fakeClient(mode: string | Error, pendingReads: number) {
  const calls = { claimReads: 0, classReads: 0 };
  const client = {
    namespace: 'ns',
    core: {
      async readNamespacedPersistentVolumeClaim() {
        calls.claimReads += 1;
        return {
          spec: { storageClassName: 'standard' },
          status: { phase: calls.claimReads <= pendingReads ? 'Pending' : 'Bound' },
        };
      },
    },
    async api() {
      return {
        config: {
          makeApiClient: () => ({
            async readStorageClass() {
              calls.classReads += 1;
              if (mode instanceof Error) throw mode;
              return { volumeBindingMode: mode };
            },
          }),
        },
        lib: { StorageV1Api: class {} },
      };
    },
  } as unknown as KubeClient;
  return { client, calls };
}

const noSleep = async () => undefined;

describe('waitClaimBound', () => {
  it('waits until a claim of an Immediate class is bound; the class is read once per process', async () => {
    const { client, calls } = fakeClient('Immediate', 3);
    const wait = createClaimBinding({ client, sleep: noSleep });
    await wait('home');
    expect(calls.claimReads).toBe(4);
    await wait('home');
    expect(calls.classReads).toBe(1);
  });

  it('returns at once for WaitForFirstConsumer (the Pod binds it), and when the class cannot be read', async () => {
    const first = fakeClient('WaitForFirstConsumer', 100);
    await createClaimBinding({ client: first.client, sleep: noSleep })('home');
    expect(first.calls.claimReads).toBe(1);
    const forbidden = fakeClient(new Error('forbidden'), 100);
    await createClaimBinding({ client: forbidden.client, sleep: noSleep })('home');
    expect(forbidden.calls.claimReads).toBe(1);
  });

  it('stops waiting when the start is aborted', async () => {
    const { client } = fakeClient('Immediate', 1000);
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(createClaimBinding({ client, sleep: noSleep })('home', controller.signal)).rejects.toThrow(
      'cancelled',
    );
  });
});
