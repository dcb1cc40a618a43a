import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import {
  ConfigError,
  ConflictError,
  EngineError,
  NotFoundError,
  RuntimeNotFoundError,
  UsageError,
} from '../../shared/errors.js';
import { getJson, readDirectAccess, type DirectAccess } from './kube-http.js';

/** @kubernetes/client-node over the same kubeconfig and context, loaded when first needed. */
export interface KubeApi {
  config: KubeConfig;
  core: CoreV1Api;
  /** The parts of client-node agentctl uses (API groups, Log, WebSocketHandler). */
  lib: typeof import('./client-node.js');
}

/** A connection to one cluster and namespace, through the user's kubeconfig. */
export interface KubeClient {
  /**
   * The core API. Reads (get and list of agents, claims, nodes) go over plain HTTPS when the
   * kubeconfig allows it (kube-http.ts); every other call loads client-node first.
   */
  core: CoreV1Api;
  /** client-node itself, for streams, logs and other API groups. */
  api(): Promise<KubeApi>;
  /** The API server's version document (GET /version). */
  version(): Promise<{ gitVersion: string; major: string; minor: string; platform?: string }>;
  namespace: string;
  context: string;
  server: string;
  /** Where the kubeconfig came from: the files read, or `in-cluster`. */
  source: string;
}

export interface KubeClientOptions {
  env: NodeJS.ProcessEnv;
  homedir: string;
  /** --kube-context / kubernetes.context; default: the kubeconfig's current context. */
  context?: string;
  /** --namespace / kubernetes.namespace; default: the context's namespace, else `default`. */
  namespace?: string;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Where to look for the kubeconfig, as kubectl does. */
function kubeconfigCandidates(options: KubeClientOptions): string[] {
  const listed = (options.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  return listed.length > 0 ? listed : [join(options.homedir, '.kube', 'config')];
}

/**
 * Loads the kubeconfig as kubectl does: the files in KUBECONFIG (merged, first wins), else
 * ~/.kube/config, else the in-cluster service account. Nothing found is an error naming where
 * agentctl looked; client-node's own fallback (a cluster at localhost:8080) is never used.
 */
export async function loadKubeClient(options: KubeClientOptions): Promise<KubeClient> {
  const candidates = kubeconfigCandidates(options);
  const files: string[] = [];
  for (const file of candidates) if (await exists(file)) files.push(file);
  if (files.length === 1) {
    const direct = await readDirectAccess(files[0]!, options.context).catch((error: unknown) => {
      throw new ConfigError(
        'KUBECONFIG_INVALID',
        `Cannot read the kubeconfig ${files[0]}: ${(error as Error).message}`,
        { hint: 'Check the file with `kubectl config view`', cause: error },
      );
    });
    if (direct) return directClient(direct, files[0]!, options);
  }
  const api = await loadKubeApi(options, files, candidates);
  const context = api.config.getCurrentContext();
  return {
    core: api.core,
    api: async () => api,
    version: () => api.config.makeApiClient(api.lib.VersionApi).getCode(),
    namespace: options.namespace ?? api.config.getContextObject(context)?.namespace ?? 'default',
    context,
    server: api.config.getCurrentCluster()!.server,
    source: files.length > 0 ? files.join(delimiter) : 'in-cluster',
  };
}

/** Reads over plain HTTPS; the rest through client-node, loaded on the first such call. */
function directClient(direct: DirectAccess, file: string, options: KubeClientOptions): KubeClient {
  let loaded: Promise<KubeApi> | undefined;
  const api = () => (loaded ??= loadKubeApi({ ...options, context: direct.context }, [file], [file]));
  const get = <T>(path: string) => getJson<T>(direct, path);
  const ns = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}`;
  const query = (labelSelector?: string) =>
    labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
  type Args = { name: string; namespace: string; labelSelector?: string };
  const reads: Record<string, (args: Args) => Promise<unknown>> = {
    readNamespacedConfigMap: (args) => get(`${ns(args.namespace)}/configmaps/${encodeURIComponent(args.name)}`),
    readNamespacedPod: (args) => get(`${ns(args.namespace)}/pods/${encodeURIComponent(args.name)}`),
    readNamespacedSecret: (args) => get(`${ns(args.namespace)}/secrets/${encodeURIComponent(args.name)}`),
    readNamespacedPersistentVolumeClaim: (args) =>
      get(`${ns(args.namespace)}/persistentvolumeclaims/${encodeURIComponent(args.name)}`),
    listNamespacedConfigMap: (args) => get(`${ns(args.namespace)}/configmaps${query(args.labelSelector)}`),
    listNamespacedPod: (args) => get(`${ns(args.namespace)}/pods${query(args.labelSelector)}`),
    listNamespacedPersistentVolumeClaim: (args) =>
      get(`${ns(args.namespace)}/persistentvolumeclaims${query(args.labelSelector)}`),
    readNamespace: (args) => get(ns(args.name)),
    listNode: () => get('/api/v1/nodes'),
  };
  const core = new Proxy({} as CoreV1Api, {
    get(_target, method) {
      if (typeof method !== 'string' || method === 'then') return undefined;
      const read = reads[method];
      if (read) return read;
      return async (...args: unknown[]) =>
        ((await api()).core as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args);
    },
  });
  return {
    core,
    api,
    version: () => get('/version'),
    namespace: options.namespace ?? direct.namespace ?? 'default',
    context: direct.context,
    server: direct.server,
    source: file,
  };
}

/** client-node over the kubeconfig files (or in-cluster), with the context chosen. */
async function loadKubeApi(options: KubeClientOptions, files: string[], candidates: string[]): Promise<KubeApi> {
  const lib = await import('./client-node.js');
  const config = new lib.KubeConfig();
  let source: string;
  if (files.length > 0) {
    try {
      if (files.length === 1) config.loadFromFile(files[0]!);
      else {
        // client-node merges KUBECONFIG's files itself; it reads the environment for that.
        const saved = process.env.KUBECONFIG;
        process.env.KUBECONFIG = files.join(delimiter);
        try {
          config.loadFromDefault();
        } finally {
          if (saved === undefined) delete process.env.KUBECONFIG;
          else process.env.KUBECONFIG = saved;
        }
      }
    } catch (error) {
      throw new ConfigError(
        'KUBECONFIG_INVALID',
        `Cannot read the kubeconfig ${files.join(', ')}: ${(error as Error).message}`,
        {
          hint: 'Check the file with `kubectl config view`',
          cause: error,
        },
      );
    }
    source = files.join(delimiter);
  } else if (options.env.KUBERNETES_SERVICE_HOST) {
    config.loadFromCluster();
    source = 'in-cluster';
  } else {
    throw new RuntimeNotFoundError('KUBECONFIG_NOT_FOUND', `No kubeconfig found (looked at ${candidates.join(', ')})`, {
      hint: "Point KUBECONFIG at your cluster's kubeconfig, or use the engine backend (`--backend engine`)",
      details: { looked: candidates },
    });
  }
  if (options.context !== undefined) {
    if (!config.getContextObject(options.context)) {
      const known = config.getContexts().map((context) => context.name);
      throw new ConfigError('KUBE_CONTEXT_UNKNOWN', `No context "${options.context}" in the kubeconfig (${source})`, {
        hint:
          known.length > 0 ? `Use one of: ${known.join(', ')}` : 'Add the context with `kubectl config set-context`',
      });
    }
    config.setCurrentContext(options.context);
  }
  if (!config.getCurrentContext() || !config.getCurrentCluster()) {
    throw new ConfigError('KUBE_CONTEXT_UNKNOWN', `The kubeconfig (${source}) has no current context`, {
      hint: 'Choose one with --kube-context NAME or `kubectl config use-context NAME`',
    });
  }
  return { config, core: config.makeApiClient(lib.CoreV1Api), lib };
}

interface ApiFailure {
  code?: number;
  body?: unknown;
  message?: string;
}

/** The API server's own words for a failure (its Status message), without the client's wrapping. */
export function kubeMessage(error: unknown): string {
  const failure = error as ApiFailure;
  let body = failure?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // plain text
    }
  }
  const message = (body as { message?: string } | undefined)?.message;
  if (typeof message === 'string' && message) return message;
  if (typeof body === 'string' && body.trim()) return body.trim();
  return (failure?.message ?? String(error)).split('\n')[0]!;
}

export function kubeStatus(error: unknown): number | undefined {
  const code = (error as ApiFailure)?.code;
  return typeof code === 'number' && code >= 100 ? code : undefined;
}

/** A failed call as agentctl's typed error: not found, conflict, forbidden, unreachable, or other. */
export function kubeError(action: string, error: unknown, client?: Pick<KubeClient, 'server' | 'namespace'>): Error {
  const status = kubeStatus(error);
  const message = kubeMessage(error);
  if (status === 404)
    return new NotFoundError('KUBERNETES_OBJECT_NOT_FOUND', `Could not ${action}: ${message}`, {
      hint: 'List agents with `agentctl ls --all`',
      cause: error,
    });
  if (status === 409)
    return new ConflictError('KUBERNETES_CONFLICT', `Could not ${action}: ${message}`, {
      hint: 'Another agentctl changed it at the same time; retry',
      cause: error,
    });
  // 403 is also how admission answers (quota, RuntimeClass, Pod Security, webhooks): RBAC's own
  // denial names the verb and resource ("User x cannot create resource pods").
  if (status === 403 && !/cannot [a-z]+ resource/i.test(message)) {
    if (/exceeded quota/i.test(message)) {
      return new EngineError('QUOTA_EXCEEDED', `The namespace's quota has no room to ${action}: ${message}`, {
        hint: `Stop or remove agents you do not need (\`agentctl ls --all\`), lower --cpus / --memory, or ask for more quota${client ? ` (\`kubectl -n ${client.namespace} describe resourcequota\`)` : ''}`,
        cause: error,
      });
    }
    const runtimeClass = /RuntimeClass "([^"]*)" not found/.exec(message)?.[1];
    if (runtimeClass !== undefined) {
      return new UsageError(
        'OCI_RUNTIME_UNKNOWN',
        `The cluster has no RuntimeClass "${runtimeClass}" (from --oci-runtime or ociRuntime in the config)`,
        {
          hint: 'Use one that `kubectl get runtimeclass` lists, or start without --oci-runtime',
          cause: error,
        },
      );
    }
    return new EngineError('KUBERNETES_REJECTED', `The cluster's admission refused to ${action}: ${message}`, {
      hint: 'A policy of the cluster (Pod Security, a webhook, a LimitRange) refused it: the message names it; ask your cluster admin what it allows',
      cause: error,
    });
  }
  if (status === 401 || status === 403) {
    return new EngineError('KUBERNETES_FORBIDDEN', `The cluster refused to ${action}: ${message}`, {
      hint: `Ask for the permissions listed by \`agentctl doctor --backend kubernetes\`${client ? ` in namespace ${client.namespace}` : ''}`,
      cause: error,
    });
  }
  if (status === undefined) {
    return new RuntimeNotFoundError(
      'CLUSTER_UNREACHABLE',
      `Cannot reach the Kubernetes API server${client ? ` at ${client.server}` : ''}: ${message}`,
      {
        hint: 'Check the cluster is up and the kubeconfig context is right (`kubectl cluster-info`)',
        cause: error,
      },
    );
  }
  return new EngineError('KUBERNETES_FAILED', `The cluster could not ${action}: ${message}`, {
    hint: 'Check the cluster with `agentctl doctor --backend kubernetes`, then retry (add --verbose for details)',
    cause: error,
  });
}

/** Runs a call, returning undefined on 404. */
export async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (kubeStatus(error) === 404) return undefined;
    throw error;
  }
}
