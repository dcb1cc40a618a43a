import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { agentExit, toDetails, toState } from './agent-objects.js';

const record = (state: string): V1ConfigMap => ({
  metadata: { name: 'agentctl-a', uid: 'u', annotations: { 'agentctl.io/state': state } },
  data: {},
});
const pod = (status: NonNullable<V1Pod['status']>['containerStatuses'], deleting = false): V1Pod => ({
  metadata: { name: 'agentctl-a-0', ...(deleting ? { deletionTimestamp: new Date() } : {}) },
  status: { phase: 'Running', containerStatuses: status },
});
const container = (extra: object) => ({
  name: 'agent',
  image: 'i',
  imageID: '',
  ready: true,
  restartCount: 0,
  ...extra,
});

describe("an agent's state from its record and its Pod", () => {
  it('running, and exited once its command ended, also when the kubelet ran it again (StatefulSet)', () => {
    const running = pod([container({ state: { running: { startedAt: new Date() } } })]);
    expect(toState({ record: record('started'), pod: running })).toBe('running');
    const restarted = pod([
      container({
        restartCount: 1,
        state: { running: { startedAt: new Date() } },
        lastState: { terminated: { exitCode: 7, finishedAt: new Date('2026-12-01T10:00:00Z') } },
      }),
    ]);
    expect(agentExit(restarted)?.exitCode).toBe(7);
    expect(toState({ record: record('started'), pod: restarted })).toBe('exited');
    expect(toDetails({ record: record('started'), pod: restarted }).exitCode).toBe(7);
  });

  it('a Pod being deleted is removing, or exited when its end was recorded first', () => {
    const going = pod([container({ state: { running: {} } })], true);
    expect(toState({ record: record('started'), pod: going })).toBe('removing');
    expect(toState({ record: record('exited'), pod: going })).toBe('exited');
  });

  it('without a Pod: exited when stopped, created while its controller makes one', () => {
    expect(toState({ record: record('exited') })).toBe('exited');
    expect(toState({ record: record('started') })).toBe('created');
  });
});
