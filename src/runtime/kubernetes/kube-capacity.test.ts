import { describe, expect, it } from 'vitest';
import type { KubeClient } from './kube-client.js';
import { capacityCheck, parseQuantity } from './kube-capacity.js';

const GiB = 2 ** 30;

function node(
  name: string,
  allocatable: Record<string, string>,
  extra: { ready?: boolean; unschedulable?: boolean } = {},
) {
  return {
    metadata: { name },
    spec: extra.unschedulable ? { unschedulable: true } : {},
    status: { allocatable, conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }] },
  };
}

function clientWith(listNode: () => Promise<unknown>): KubeClient {
  return { core: { listNode } } as unknown as KubeClient;
}

describe('parseQuantity', () => {
  it.each([
    ['4', 4],
    ['3800m', 3.8],
    ['16318920Ki', 16318920 * 1024],
    ['8Gi', 8 * GiB],
    ['1G', 1e9],
    ['1e3', 1000],
    ['110', 110],
  ])('%s is %d', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 6);
  });

  it('is undefined for what is no quantity', () => {
    expect(parseQuantity('four')).toBeUndefined();
    expect(parseQuantity(undefined)).toBeUndefined();
  });
});

describe('capacityCheck', () => {
  it('counts the agents of the defaults each Ready, schedulable node holds', async () => {
    const client = clientWith(async () => ({
      items: [
        node('small', { cpu: '3800m', memory: `${15 * 1024 * 1024}Ki`, pods: '110' }),
        node('cordoned', { cpu: '64', memory: '256Gi', pods: '110' }, { unschedulable: true }),
        node('down', { cpu: '64', memory: '256Gi', pods: '110' }, { ready: false }),
      ],
    }));
    const check = await capacityCheck(client, { cpus: 2, memoryBytes: 4 * GiB });
    expect(check).toMatchObject({ id: 'capacity', status: 'ok' });
    // 3.8 CPUs hold one agent of 2 CPUs, whatever the memory (15 GiB would hold 3).
    expect(check.message).toBe(
      '1 agent of the defaults (2 CPUs, 4.0 GiB) fits in the allocatable resources of 1 node, before what already runs there (largest small: 3.8 CPUs, 15.0 GiB allocatable)',
    );
    expect(check.details?.nodes).toEqual([{ name: 'small', cpus: 3.8, memoryBytes: 15 * GiB, pods: 110, agents: 1 }]);
  });

  it('warns, with the way out, when no node can hold one agent of the defaults', async () => {
    const client = clientWith(async () => ({ items: [node('tiny', { cpu: '1', memory: '2Gi', pods: '110' })] }));
    const check = await capacityCheck(client, { cpus: 2, memoryBytes: 4 * GiB });
    expect(check).toMatchObject({
      status: 'warn',
      message: 'no node can hold an agent of the defaults (2 CPUs, 4.0 GiB); largest tiny: 1 CPUs, 2.0 GiB allocatable',
      fix: expect.stringContaining('kubernetes.requests'),
    });
  });

  it('says it did not check when listing nodes is not allowed', async () => {
    const forbidden = Object.assign(new Error('nodes is forbidden'), { code: 403 });
    const check = await capacityCheck(
      clientWith(() => Promise.reject(forbidden)),
      { cpus: 2, memoryBytes: 4 * GiB },
    );
    expect(check).toMatchObject({ status: 'skip', message: expect.stringContaining('listing nodes is not allowed') });
  });
});
