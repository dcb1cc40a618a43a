import type { NetworkingV1Api, V1NetworkPolicy } from '@kubernetes/client-node';
import { ConflictError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import type { AgentSpec } from '../agent-spec.js';
import type { EgressOperations, GatewayDetails, NetworkDetails } from '../egress-operations.js';
import type { StreamOperations } from '../stream-operations.js';
import { agentContainerStatus, agentId, type AgentObjects } from './agent-objects.js';
import { parseRecord, type GatewayRecord } from './agent-record.js';
import { readPodFile, writePodFiles } from './gateway-files.js';
import { buildGatewayNetworkPolicy, gatewayAgentSpec } from './gateway-pod.js';
import { kubeError, kubeStatus, orUndefined, type KubeClient } from './kube-client.js';
import { fromKubernetesMetadata } from './kube-labels.js';
import { detectNetworkPolicyEnforcement, isolationWarning } from './network-policy-check.js';

export interface KubeEgressDeps {
  client: KubeClient;
  containers: {
    createContainer(spec: AgentSpec, extra?: { gateway?: GatewayRecord }): Promise<{ id: string }>;
    startContainer(id: string): Promise<void>;
    removeContainer(id: string, options: { force: boolean }): Promise<void>;
    getAgentObjects(name: string): Promise<AgentObjects | undefined>;
  };
  streams: Pick<StreamOperations, 'createExec' | 'startExec' | 'inspectExec'>;
}

/**
 * The egress gateway on Kubernetes (`policy` isolation, see egress-operations.ts). Its two
 * "networks" are NetworkPolicies (gateway-pod.ts): the agents' side lets its agents' Pods reach
 * only the gateway Pod's proxy port; the gateway's own lets only them in and the gateway out. The
 * gateway is a record with a StatefulSet of one Pod (gateway-pod.ts), on its state claim; agents
 * reach it at the Pod's IP (no Service: a cluster without kube-proxy or DNS does not route a
 * ClusterIP). Its files (the program, registrations) are written by exec, never through an object
 * an agent's Pod could mount.
 */
export function createKubeEgressOperations(deps: KubeEgressDeps): EgressOperations {
  const { client } = deps;
  const { namespace } = client;
  let networking: Promise<NetworkingV1Api> | undefined;
  const api = () => (networking ??= client.api().then(({ config, lib }) => config.makeApiClient(lib.NetworkingV1Api)));
  let enforcement: Promise<string | undefined> | undefined;
  let warned = false;

  const toNetwork = (policy: V1NetworkPolicy): NetworkDetails => ({
    id: policy.metadata?.uid ?? '',
    name: policy.metadata!.name!,
    internal: policy.spec?.podSelector?.matchLabels?.[LABELS.egressGateway] !== undefined,
    labels: fromKubernetesMetadata(policy.metadata),
    subnets: [],
  });

  const operations: EgressOperations = {
    isolation: 'policy',

    async checkIsolation() {
      enforcement ??= detectNetworkPolicyEnforcement(client).then(isolationWarning);
      const warning = await enforcement;
      // One warning for the agents of one command (`start --count`).
      if (!warning || warned) return undefined;
      warned = true;
      return warning;
    },

    async createNetwork(spec) {
      const body = buildGatewayNetworkPolicy(spec.name, spec.gateway, spec.internal, spec.labels);
      try {
        return toNetwork(await (await api()).createNamespacedNetworkPolicy({ namespace, body }));
      } catch (error) {
        if (kubeStatus(error) === 409)
          throw new ConflictError('NETWORK_EXISTS', `The NetworkPolicy ${spec.name} already exists`, {
            hint: `Remove it with \`kubectl delete networkpolicy -n ${namespace} ${spec.name}\` if agentctl did not make it, then retry`,
            cause: error,
          });
        throw kubeError(`create the NetworkPolicy ${spec.name}`, error, client);
      }
    },

    async inspectNetwork(name) {
      const found = await orUndefined((await api()).readNamespacedNetworkPolicy({ name, namespace })).catch(
        (error: unknown) => {
          throw kubeError(`read the NetworkPolicy ${name}`, error, client);
        },
      );
      return found ? toNetwork(found) : undefined;
    },

    async removeNetwork(name) {
      try {
        await (await api()).deleteNamespacedNetworkPolicy({ name, namespace });
      } catch (error) {
        if (kubeStatus(error) !== 404) throw kubeError(`delete the NetworkPolicy ${name}`, error, client);
      }
    },

    /**
     * The gateway's record, then its Pod started at once: exec (which writes its program) needs a
     * running Pod, and its command waits for the program (gateway-pod.ts gatewayCommand).
     */
    async createGateway(spec) {
      const gateway: GatewayRecord = {
        program: spec.program,
        internalNetwork: spec.internalNetwork.name,
        externalNetwork: spec.externalNetwork,
      };
      const { id } = await deps.containers.createContainer(gatewayAgentSpec(spec), { gateway });
      try {
        await deps.containers.startContainer(id);
      } catch (error) {
        // Nothing half-made: core never learns the id of a gateway that did not start.
        await deps.containers.removeContainer(id, { force: true }).catch(() => undefined);
        throw error;
      }
      return { id };
    },

    async inspectGateway(name) {
      const objects = await deps.containers.getAgentObjects(name);
      return objects ? toGatewayDetails(objects) : undefined;
    },

    async writeGatewayFiles(id, dir, entries) {
      await writePodFiles(deps.streams, id, dir, entries);
    },

    async readGatewayFile(id, path) {
      return readPodFile(deps.streams, id, path);
    },
  };
  return operations;
}

/**
 * The gateway as core sees it: running while its container runs. Its agents' address for it is its
 * name, which their Pods resolve to its Pod's IP (gateway-pod.ts withGatewayAlias); its own side,
 * the Pod's IP.
 */
export function toGatewayDetails(objects: AgentObjects): GatewayDetails {
  const { record, pod } = objects;
  const current = pod && !pod.metadata?.deletionTimestamp ? pod : undefined;
  const state = agentContainerStatus(current)?.state;
  const running = Boolean(state?.running);
  const address = running ? current?.status?.podIP : undefined;
  const gateway = parseRecord(record)?.gateway;
  return {
    id: agentId(record) || record.metadata!.name!,
    running,
    state: running ? 'running' : (state?.waiting?.reason ?? (current ? 'created' : 'exited')),
    labels: fromKubernetesMetadata(record.metadata),
    addresses:
      address && gateway
        ? { [gateway.internalNetwork]: record.metadata!.name!, [gateway.externalNetwork]: address }
        : {},
  };
}
