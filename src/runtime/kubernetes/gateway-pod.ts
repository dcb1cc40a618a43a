import type { V1ConfigMap, V1NetworkPolicy, V1Pod } from '@kubernetes/client-node';
import { PROXY_PORT } from '../../egress/contract.js';
import { LABELS } from '../../shared/labels.js';
import type { GatewaySpec } from '../egress-operations.js';
import type { AgentSpec } from '../agent-spec.js';
import type { AgentRecord } from './agent-record.js';
import { toKubernetesMetadata } from './kube-labels.js';
import { AGENT_CONTAINER_NAME } from './pod-spec.js';
import { RECORD_NAME_LABEL, containerSecurity, limitQuantities, recordPod } from './record-pod.js';

/**
 * The egress gateway on Kubernetes: a record (ConfigMap) like an agent's, so that the one set of
 * container operations (start, inspect, exec, logs, rm) serves it too, whose Pod is this one and
 * not an agent's: node from the gateway image running the proxy program from its state claim, as
 * uid 65534, with a read-only root file system, every capability dropped, no service account
 * token, and its container named as an agent's (exec and logs address that name).
 */

/** The gateway's spec in the record's terms (its state claim is the spec's `home` mount). */
export function gatewayAgentSpec(spec: GatewaySpec): AgentSpec {
  return {
    name: spec.name,
    image: spec.image,
    command: spec.command,
    env: spec.env,
    workingDir: '/',
    user: { uid: spec.user.uid, gid: spec.user.gid, extraGroups: [], keepHostIds: false },
    labels: spec.labels,
    terminal: false,
    mounts: [{ kind: 'home', volume: spec.stateVolume.name, target: spec.stateVolume.target }],
    files: [],
    limits: {
      cpus: spec.limits.cpus,
      memoryBytes: spec.limits.memoryBytes,
      memorySwapBytes: spec.limits.memoryBytes,
      pids: spec.limits.pids,
    },
    security: { addCapabilities: [], disableLabel: false },
    network: { mode: 'default' },
  };
}

/**
 * The command of the gateway's container: it waits until the program is in the state claim
 * (written by exec once the Pod runs, to a temporary name and renamed), then runs it.
 */
export function gatewayCommand(program: string, command: string[]): string[] {
  return ['sh', '-c', 'while [ ! -s "$0" ]; do sleep 0.1; done; exec "$@"', program, ...command];
}

export function buildGatewayPod(name: string, record: AgentRecord, owner: V1ConfigMap): V1Pod {
  const { spec, gateway } = record;
  const home = spec.mounts.find((mount) => mount.kind === 'home');
  if (!gateway || !home || home.kind !== 'home') throw new Error(`the record ${name} is no egress gateway's`);
  const { uid, gid } = spec.user;
  // The gateway's user has no supplementary groups (gatewayAgentSpec).
  return recordPod(
    name,
    owner,
    spec.labels,
    { gid },
    {
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 5,
      initContainers: [
        {
          // A fresh claim is often root's (host-path): the one step as root may only chown it.
          name: 'prepare-state',
          image: spec.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', `chown ${uid}:${gid} /state && chmod 0700 /state`],
          securityContext: containerSecurity('root', { add: ['CHOWN', 'FOWNER'], readOnlyRootFilesystem: true }),
          volumeMounts: [{ name: 'state', mountPath: '/state' }],
          resources: { limits: { cpu: '200m', memory: '64Mi' }, requests: { cpu: '10m', memory: '16Mi' } },
        },
      ],
      containers: [
        {
          name: AGENT_CONTAINER_NAME,
          image: spec.image,
          imagePullPolicy: 'IfNotPresent',
          command: gatewayCommand(gateway.program, spec.command ?? []),
          env: spec.env.map((variable) => ({ name: variable.name, value: variable.value })),
          workingDir: spec.workingDir,
          ports: [{ name: 'proxy', containerPort: PROXY_PORT, protocol: 'TCP' }],
          securityContext: containerSecurity(spec.user, { readOnlyRootFilesystem: true }),
          resources: { limits: limitQuantities(spec.limits), requests: { cpu: '50m', memory: '64Mi' } },
          volumeMounts: [
            { name: 'state', mountPath: home.target },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        { name: 'state', persistentVolumeClaim: { claimName: home.volume } },
        { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
      ],
    },
  );
}

/** The gateway's Pod, as a NetworkPolicy selects it: its kind and its record's name. */
export function gatewayPodSelector(gateway: string): Record<string, string> {
  return { [LABELS.kind]: 'egress-gateway', [RECORD_NAME_LABEL]: gateway };
}

/** The Pods of the agents registered with the gateway (the label start gives them). */
export function gatewayAgentsSelector(gateway: string): Record<string, string> {
  return { [LABELS.managed]: 'true', [LABELS.egressGateway]: gateway };
}

/**
 * The NetworkPolicy of a gateway "network". Internal (the agents' side): its agents' Pods may
 * connect only to the gateway Pod's proxy port, and no Pod may connect to them. External (the
 * gateway's own): the gateway Pod may be reached only by its agents on the proxy port, and may
 * connect anywhere (the proxy itself refuses loopback, link-local and private addresses that no
 * allow entry names: src/egress/address-rules.ts). Enforced only by a network plugin that
 * enforces NetworkPolicy (kube-egress.ts `checkIsolation`).
 */
export function buildGatewayNetworkPolicy(
  name: string,
  gateway: string,
  internal: boolean,
  labels: Record<string, string>,
): V1NetworkPolicy {
  const meta = toKubernetesMetadata(labels);
  const proxyPort = [{ protocol: 'TCP', port: PROXY_PORT }];
  const spec: V1NetworkPolicy['spec'] = internal
    ? {
        podSelector: { matchLabels: gatewayAgentsSelector(gateway) },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [{ to: [{ podSelector: { matchLabels: gatewayPodSelector(gateway) } }], ports: proxyPort }],
      }
    : {
        podSelector: { matchLabels: gatewayPodSelector(gateway) },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ _from: [{ podSelector: { matchLabels: gatewayAgentsSelector(gateway) } }], ports: proxyPort }],
        egress: [{}],
      };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, labels: { ...meta.labels, [LABELS.egressGateway]: gateway }, annotations: meta.annotations },
    spec,
  };
}

/**
 * An agent's Pod with its gateway's name resolving to the gateway Pod's IP (hostAliases: no
 * cluster DNS is needed). The agent's proxy variables name the gateway by that name, so an agent
 * whose gateway Pod was re-created (a new IP) reaches it again at its next start; without an IP
 * (the gateway does not run) the Pod is as it was.
 */
export function withGatewayAlias(pod: V1Pod, gateway: string, ip: string | undefined): V1Pod {
  if (!ip) return pod;
  return { ...pod, spec: { ...pod.spec!, hostAliases: [{ ip, hostnames: [gateway] }] } };
}
