import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.js';
import type { AgentRecord } from './agent-record.js';
import { toPlacement } from './pod-placement.js';
import { buildPod } from './pod-spec.js';
import { recordedSpec } from '../../../test/helpers/kube-records.js';

const owner = { metadata: { name: 'agentctl-a', uid: 'uid-1' } };
const record = (placement?: AgentRecord['placement']): AgentRecord => ({
  format: 2,
  spec: recordedSpec({ limits: { cpus: 2, memoryBytes: 1024 ** 3, memorySwapBytes: 1024 ** 3, pids: 512 } }),
  files: [],
  ...(placement ? { placement } : {}),
});

describe('placement and identity of agent Pods (kubernetes.pod, kubernetes.requests)', () => {
  it('maps every setting into the Pod spec, beside agentctl’s own labels and hardening', () => {
    const placement = toPlacement(
      {
        nodeSelector: { pool: 'agents' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'agents', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
        priorityClassName: 'agents-low',
        serviceAccountName: 'agent-runner',
        imagePullSecrets: ['registry-cred'],
        labels: { team: 'platform' },
        annotations: { 'example.com/owner': 'me' },
      },
      { cpus: 0.25, memory: '256m' },
    );
    const pod = buildPod('agentctl-a', record(placement), owner);
    expect(pod.spec).toMatchObject({
      nodeSelector: { pool: 'agents' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'agents', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
      priorityClassName: 'agents-low',
      serviceAccountName: 'agent-runner',
      imagePullSecrets: [{ name: 'registry-cred' }],
      automountServiceAccountToken: false,
    });
    expect(pod.metadata?.labels).toMatchObject({ team: 'platform', 'io.agentctl.agent': 'a' });
    expect(pod.metadata?.annotations).toMatchObject({ 'example.com/owner': 'me' });
    expect(pod.spec?.containers[0]?.resources).toEqual({
      limits: { cpu: '2000m', memory: String(1024 ** 3) },
      requests: { cpu: '250m', memory: String(256 * 1024 ** 2) },
    });
  });

  it('never requests more than the limits, and without settings changes nothing', () => {
    const over = buildPod('agentctl-a', record(toPlacement(undefined, { cpus: 8, memory: '4g' })), owner);
    expect(over.spec?.containers[0]?.resources?.requests).toEqual({ cpu: '2000m', memory: String(1024 ** 3) });
    expect(toPlacement(undefined, undefined)).toBeUndefined();
    const plain = buildPod('agentctl-a', record(), owner);
    expect(plain.spec).not.toHaveProperty('nodeSelector');
    expect(plain.spec?.containers[0]?.resources?.requests).toEqual({ cpu: '2000m', memory: String(1024 ** 3) });
  });

  it('the config schema refuses what Kubernetes would, naming the key', () => {
    const check = (pod: unknown) => configSchema.safeParse({ kubernetes: { pod } });
    expect(check({ nodeSelector: { 'pool/x/y': 'a' } }).success).toBe(false);
    expect(check({ nodeSelector: { pool: 'not a value' } }).success).toBe(false);
    expect(check({ tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] }).success).toBe(false);
    expect(check({ tolerations: [{ effect: 'Sometimes' }] }).success).toBe(false);
    expect(check({ priorityClassName: 'Upper' }).success).toBe(false);
    expect(check({ labels: { 'io.agentctl.agent': 'x' } }).success).toBe(false);
    expect(check({ affinity: { nodeAfinity: {} } }).success).toBe(false);
    expect(check({ unknown: 1 }).success).toBe(false);
    const bad = check({ nodeSelector: { pool: 'not a value' } });
    expect(bad.error?.issues[0]?.path).toEqual(['kubernetes', 'pod', 'nodeSelector', 'pool']);
    expect(configSchema.safeParse({ kubernetes: { requests: { cpus: 0 } } }).success).toBe(false);
    expect(configSchema.safeParse({ kubernetes: { requests: { memory: 'lots' } } }).success).toBe(false);
    expect(
      check({
        nodeSelector: { 'kubernetes.io/hostname': 'n1' },
        tolerations: [{ operator: 'Exists' }],
        serviceAccountName: 'agents',
      }).success,
    ).toBe(true);
  });
});
