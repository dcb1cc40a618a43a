import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { describePending } from './agent-objects.js';
import type { KubeClient } from './kube-client.js';
import { createPodWaits } from './wait-pod.js';

const unschedulable = (message: string): V1Pod => ({
  metadata: { name: 'agentctl-a', namespace: 'n' },
  status: {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }],
  },
});
const CLAIM = '0/1 nodes are available: 1 pod has unbound immediate PersistentVolumeClaims.';
const client = { core: {}, namespace: 'n' } as unknown as KubeClient;

describe('describePending', () => {
  it('says why a Pod waits, and whether it will start by itself', () => {
    expect(describePending(unschedulable('0/1 nodes are available: 1 Insufficient cpu.'))).toEqual({
      reason: 'Unschedulable',
      message: '0/1 nodes are available: 1 Insufficient cpu.',
      final: true,
    });
    expect(describePending(unschedulable(CLAIM))).toMatchObject({ reason: 'Unschedulable', final: false });
    const pulling: V1Pod = {
      metadata: {},
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True' }],
        containerStatuses: [
          {
            name: 'agent',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } },
          },
        ],
      },
    };
    expect(describePending(pulling)).toEqual({
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "x"',
      final: true,
    });
    const running: V1Pod = {
      metadata: {},
      status: {
        phase: 'Running',
        containerStatuses: [
          { name: 'agent', image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
        ],
      },
    };
    expect(describePending(running)).toBeUndefined();
    expect(describePending({ ...unschedulable(CLAIM), metadata: { deletionTimestamp: new Date() } })).toBeUndefined();
  });
});

describe('waitPodStarted', () => {
  it('fails at once with the scheduler’s words when no node fits', async () => {
    const { waitPodStarted } = createPodWaits({
      client,
      readPod: async () => unschedulable('0/1 nodes are available: 1 Insufficient cpu.'),
      sleep: async () => undefined,
    });
    await expect(waitPodStarted('agentctl-a', { timeoutMs: 60_000 })).rejects.toMatchObject({
      code: 'POD_UNSCHEDULABLE',
      message: expect.stringContaining('Insufficient cpu'),
      details: { agent: 'a' },
    });
  });

  it('ends at the timeout with the last reason, and at once on abort with the signal’s reason', async () => {
    const slow = createPodWaits({
      client,
      readPod: async () => unschedulable(CLAIM),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    await expect(slow.waitPodStarted('agentctl-a', { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'POD_START_TIMEOUT',
      message: expect.stringContaining('unbound immediate PersistentVolumeClaims'),
    });

    const controller = new AbortController();
    const reason = new Error('cancelled');
    const never = createPodWaits({
      client,
      readPod: async () => unschedulable(CLAIM),
      sleep: () => new Promise(() => undefined),
    });
    const waiting = never.waitPodStarted('agentctl-a', { timeoutMs: 3_600_000, signal: controller.signal });
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });
});
