import type { V1ConfigMap } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { GatewaySpec } from '../egress-operations.js';
import type { AgentRecord } from './agent-record.js';
import {
  buildGatewayNetworkPolicy,
  buildGatewayPod,
  gatewayAgentSpec,
  gatewayCommand,
  withGatewayAlias,
} from './gateway-pod.js';
import { toGatewayDetails } from './kube-egress.js';
import { buildRecordConfigMap } from './agent-record.js';

const spec: GatewaySpec = {
  name: 'agentctl-egress',
  image: 'node:22',
  command: ['node', '/var/lib/agentctl-egress/program/egress-proxy.cjs'],
  env: [{ name: 'AGENTCTL_EGRESS_STATE', value: '/var/lib/agentctl-egress' }],
  user: { uid: 65534, gid: 65534 },
  labels: { 'io.agentctl.managed': 'true', 'io.agentctl.kind': 'egress-gateway' },
  externalNetwork: 'agentctl-egress-external',
  internalNetwork: { name: 'agentctl-egress-internal' },
  stateVolume: { name: 'agentctl-egress-state', target: '/var/lib/agentctl-egress' },
  limits: { cpus: 1, memoryBytes: 256 * 1024 ** 2, pids: 256 },
  program: '/var/lib/agentctl-egress/program/egress-proxy.cjs',
};
const { files: _files, ...recorded } = gatewayAgentSpec(spec);
const record: AgentRecord = {
  format: 2,
  spec: recorded,
  files: [],
  gateway: { program: spec.program, internalNetwork: spec.internalNetwork.name, externalNetwork: spec.externalNetwork },
};
const owner: V1ConfigMap = { metadata: { name: 'agentctl-egress', uid: '1234-abcd' } };

describe('the gateway Pod', () => {
  const pod = buildGatewayPod('agentctl-egress-0', record, owner);
  const container = pod.spec!.containers[0]!;

  it('runs the proxy as uid 65534 on a read-only root, no capabilities, no service account token', () => {
    expect(pod.spec).toMatchObject({ automountServiceAccountToken: false, enableServiceLinks: false });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    // Its command waits for the program that exec writes once the Pod runs.
    expect(container.command).toEqual(gatewayCommand(spec.program, spec.command));
    expect(container.command!.slice(-2)).toEqual(spec.command);
    expect(container.volumeMounts).toEqual([
      { name: 'state', mountPath: '/var/lib/agentctl-egress' },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(pod.spec!.volumes).toContainEqual({
      name: 'state',
      persistentVolumeClaim: { claimName: 'agentctl-egress-state' },
    });
    // Only the claim's owner is changed as root, with nothing but CHOWN and FOWNER.
    expect(pod.spec!.initContainers![0]!.securityContext!.capabilities).toEqual({
      drop: ['ALL'],
      add: ['CHOWN', 'FOWNER'],
    });
  });

  it('is labelled so that its NetworkPolicy selects it, and no agent label selects it', () => {
    expect(pod.metadata!.labels).toMatchObject({
      'io.agentctl.managed': 'true',
      'io.agentctl.kind': 'egress-gateway',
      'agentctl.io/record': 'agentctl-egress',
    });
    expect(pod.metadata!.labels!['io.agentctl.egress-gateway']).toBeUndefined();
  });

  it("has an agent Pod's skeleton: tied to its record, seccomp, its group's volumes, limits from the spec", () => {
    expect(pod.metadata).toEqual({
      name: 'agentctl-egress-0',
      labels: {
        'io.agentctl.managed': 'true',
        'io.agentctl.kind': 'egress-gateway',
        'agentctl.io/record': 'agentctl-egress',
        'agentctl.io/record-uid': '1234-abcd',
      },
      annotations: { 'agentctl.io/labels': JSON.stringify(spec.labels) },
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          name: 'agentctl-egress',
          uid: '1234-abcd',
          controller: false,
          blockOwnerDeletion: false,
        },
      ],
    });
    expect(pod.spec).toMatchObject({
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 5,
    });
    expect(pod.spec!.securityContext).toEqual({ fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec!.initContainers![0]!.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      capabilities: { drop: ['ALL'], add: ['CHOWN', 'FOWNER'] },
    });
    expect(container.resources).toEqual({
      limits: { cpu: '1000m', memory: String(256 * 1024 ** 2) },
      requests: { cpu: '50m', memory: '64Mi' },
    });
    const small = { ...record, spec: { ...record.spec, limits: { ...record.spec.limits, cpus: 0.25 } } };
    expect(buildGatewayPod('agentctl-egress-0', small, owner).spec!.containers[0]!.resources!.limits!.cpu).toBe('250m');
  });

  it('refuses a record that is no gateway', () => {
    expect(() => buildGatewayPod('x', { ...record, gateway: undefined }, owner)).toThrow(/no egress gateway/);
  });
});

describe('the gateway NetworkPolicies', () => {
  it("the agents' side: only the gateway's proxy port out, nothing in", () => {
    const policy = buildGatewayNetworkPolicy('agentctl-egress-internal', 'agentctl-egress', true, spec.labels);
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { 'io.agentctl.managed': 'true', 'io.agentctl.egress-gateway': 'agentctl-egress' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [
        {
          to: [
            {
              podSelector: {
                matchLabels: { 'io.agentctl.kind': 'egress-gateway', 'agentctl.io/record': 'agentctl-egress' },
              },
            },
          ],
          ports: [{ protocol: 'TCP', port: 3128 }],
        },
      ],
    });
    expect(policy.metadata!.labels).toMatchObject({ 'io.agentctl.managed': 'true' });
  });

  it("the gateway's own: its agents in on the proxy port, anywhere out", () => {
    const policy = buildGatewayNetworkPolicy('agentctl-egress-external', 'agentctl-egress', false, spec.labels);
    expect(policy.spec!.podSelector!.matchLabels).toEqual({
      'io.agentctl.kind': 'egress-gateway',
      'agentctl.io/record': 'agentctl-egress',
    });
    expect(policy.spec!.ingress).toEqual([
      {
        _from: [
          {
            podSelector: {
              matchLabels: { 'io.agentctl.managed': 'true', 'io.agentctl.egress-gateway': 'agentctl-egress' },
            },
          },
        ],
        ports: [{ protocol: 'TCP', port: 3128 }],
      },
    ]);
    expect(policy.spec!.egress).toEqual([{}]);
  });
});

describe('toGatewayDetails', () => {
  const configMap = {
    ...buildRecordConfigMap('agentctl-egress', record),
    metadata: { name: 'agentctl-egress', uid: 'ab-cd', labels: spec.labels },
  };
  const running = {
    metadata: { name: 'agentctl-egress-0' },
    status: { podIP: '10.88.0.7', containerStatuses: [{ name: 'agent', state: { running: {} } }] },
  };

  it('gives its name to its agents and its Pod IP on its own side while the proxy runs, none otherwise', () => {
    expect(toGatewayDetails({ record: configMap as never, pod: running as never })).toMatchObject({
      id: 'abcd',
      running: true,
      // The agents name it (their Pods resolve the name: withGatewayAlias); its own side is the Pod's IP.
      addresses: { 'agentctl-egress-internal': 'agentctl-egress', 'agentctl-egress-external': '10.88.0.7' },
    });
    expect(toGatewayDetails({ record: configMap as never })).toMatchObject({ running: false, addresses: {} });
  });
});

describe('withGatewayAlias', () => {
  it("resolves the gateway's name to its Pod's IP in an agent's Pod, and leaves the Pod as it was without one", () => {
    const agentPod = { metadata: { name: 'agentctl-fixer-0' }, spec: { containers: [] } };
    expect(withGatewayAlias(agentPod, 'agentctl-egress', '10.88.0.7').spec!.hostAliases).toEqual([
      { ip: '10.88.0.7', hostnames: ['agentctl-egress'] },
    ]);
    expect(withGatewayAlias(agentPod, 'agentctl-egress', undefined)).toBe(agentPod);
  });
});
