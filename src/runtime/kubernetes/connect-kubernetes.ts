import type { ContainerRuntime } from '../container-runtime.js';
import type { Connection } from '../connection.js';
import { kubeError, loadKubeClient } from './kube-client.js';
import { createKubernetesRuntime } from './kubernetes-runtime.js';
import { toPlacement } from './pod-placement.js';
import type { KubernetesPodSettings, KubernetesRequests } from '../../config/kubernetes-schema.js';

export interface KubernetesConnectOptions {
  env: NodeJS.ProcessEnv;
  homedir: string;
  context?: string;
  namespace?: string;
  storageClass?: string;
  storageSize?: string;
  /** How agents get their workspace (`kubernetes.workspace`): a clone of origin, or an upload. */
  workspace?: 'clone' | 'upload';
  pod?: KubernetesPodSettings;
  requests?: KubernetesRequests;
}

/** Loads the kubeconfig and asks the API server its version: the cluster's probe. */
export async function connectKubernetes(
  options: KubernetesConnectOptions,
): Promise<{ runtime: ContainerRuntime; detected: Connection }> {
  const client = await loadKubeClient(options);
  const version = await client.version().catch((error: unknown) => {
    throw kubeError('answer (GET /version)', error, client);
  });
  const runtime = createKubernetesRuntime(
    client,
    {
      kind: 'kubernetes',
      version: version.gitVersion.replace(/^v/, ''),
      apiVersion: `${version.major}.${version.minor}`,
      os: version.platform?.split('/')[0],
      arch: version.platform?.split('/')[1],
    },
    {
      storage: {
        size: options.storageSize ?? '1Gi',
        ...(options.storageClass ? { storageClass: options.storageClass } : {}),
      },
      env: options.env,
      workspace: options.workspace ?? 'clone',
      placement: toPlacement(options.pod, options.requests),
    },
  );
  const strategy = `kubeconfig ${client.source}, context ${client.context}, namespace ${client.namespace}`;
  return {
    runtime,
    detected: {
      endpoint: runtime.endpoint,
      strategy,
      attempts: [
        { strategy: 'kubeconfig', endpoint: client.server, outcome: 'ok', detail: `Kubernetes ${version.gitVersion}` },
      ],
    },
  };
}
