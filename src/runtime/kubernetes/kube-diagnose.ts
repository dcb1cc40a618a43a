import type { BackendCheck } from '../container-runtime.js';
import { capacityCheck, type AgentRequests } from './kube-capacity.js';
import { kubeMessage, kubeStatus, type KubeClient } from './kube-client.js';

/** What agentctl does in the namespace, as (resource, verb) pairs for SelfSubjectAccessReviews. */
export const REQUIRED_ACCESS: ReadonlyArray<{
  group?: string;
  resource: string;
  subresource?: string;
  verbs: string[];
}> = [
  { resource: 'pods', verbs: ['create', 'get', 'list', 'delete'] },
  { resource: 'pods', subresource: 'log', verbs: ['get'] },
  { resource: 'pods', subresource: 'exec', verbs: ['create'] },
  { resource: 'pods', subresource: 'attach', verbs: ['create'] },
  { resource: 'configmaps', verbs: ['create', 'get', 'list', 'update', 'delete'] },
  { resource: 'secrets', verbs: ['create', 'update', 'delete'] },
  { resource: 'persistentvolumeclaims', verbs: ['create', 'get', 'list', 'delete'] },
  { group: 'apps', resource: 'statefulsets', verbs: ['create', 'get', 'patch', 'delete'] },
  // The egress gateway's (--egress allowlist, learn).
  { group: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['create', 'get', 'delete'] },
];

/**
 * `agentctl doctor` on Kubernetes: the namespace exists, the user may do what agentctl does there,
 * NetworkPolicy is enforced, and the nodes hold an agent of `requests`.
 */
export async function diagnoseCluster(client: KubeClient, requests: AgentRequests): Promise<BackendCheck[]> {
  const { namespace } = client;
  const namespaceCheck: BackendCheck = await client.core.readNamespace({ name: namespace }).then(
    (object) => ({
      id: 'namespace',
      title: 'Namespace',
      status: 'ok' as const,
      message: `${namespace} (${object.status?.phase ?? 'Active'})`,
      details: { namespace },
    }),
    (error: unknown) =>
      kubeStatus(error) === 404
        ? {
            id: 'namespace',
            title: 'Namespace',
            status: 'fail' as const,
            message: `namespace ${namespace} does not exist`,
            fix: `Create it (\`kubectl create namespace ${namespace}\`) or choose another with --namespace`,
            details: { namespace },
          }
        : {
            id: 'namespace',
            title: 'Namespace',
            status: 'warn' as const,
            message: `cannot read namespace ${namespace}: ${kubeMessage(error)}`,
            fix: 'The permission check below says whether agentctl can work there',
            details: { namespace },
          },
  );
  const { config, lib } = await client.api();
  const authorization = config.makeApiClient(lib.AuthorizationV1Api);
  const asks = REQUIRED_ACCESS.flatMap((access) => access.verbs.map((verb) => ({ ...access, verb })));
  const answers = await Promise.all(
    asks.map((ask) =>
      authorization
        .createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: {
              resourceAttributes: {
                namespace,
                verb: ask.verb,
                resource: ask.resource,
                ...(ask.group ? { group: ask.group } : {}),
                ...(ask.subresource ? { subresource: ask.subresource } : {}),
              },
            },
          },
        })
        .then(
          (review) => ({ ask, allowed: Boolean(review.status?.allowed), error: undefined as string | undefined }),
          (error: unknown) => ({ ask, allowed: false, error: kubeMessage(error) }),
        ),
    ),
  );
  const denied = answers
    .filter((answer) => !answer.allowed)
    .map(({ ask }) => `${ask.verb} ${ask.resource}${ask.subresource ? `/${ask.subresource}` : ''}`);
  const failedToAsk = answers.find((answer) => answer.error)?.error;
  const permissions: BackendCheck =
    denied.length === 0
      ? {
          id: 'permissions',
          title: 'Permissions',
          status: 'ok',
          message: `all ${asks.length} verbs agentctl uses are allowed in ${namespace}`,
          details: { checked: asks.length },
        }
      : {
          id: 'permissions',
          title: 'Permissions',
          status: 'fail',
          message: failedToAsk
            ? `could not ask the API server (${failedToAsk})`
            : `not allowed in ${namespace}: ${denied.join(', ')}`,
          fix: 'Ask your cluster admin for a Role with these verbs in the namespace (docs/kubernetes.md lists it), or choose another namespace',
          details: { denied },
        };
  const { detectNetworkPolicyEnforcement, networkPolicyCheck } = await import('./network-policy-check.js');
  const [networkPolicy, capacity] = await Promise.all([
    detectNetworkPolicyEnforcement(client),
    capacityCheck(client, requests),
  ]);
  return [namespaceCheck, permissions, networkPolicyCheck(networkPolicy), capacity];
}
