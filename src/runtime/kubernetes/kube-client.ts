import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ConfigError, ConflictError, EngineError, NotFoundError, RuntimeNotFoundError } from '../../core/errors.js';

/** A connection to one cluster and namespace, through the user's kubeconfig. */
export interface KubeClient {
  config: KubeConfig;
  core: CoreV1Api;
  /** The parts of client-node agentctl uses (API groups, Log, WebSocketHandler), loaded on demand. */
  lib: typeof import('./client-node.js');
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

const exists = (path: string) => access(path).then(() => true, () => false);

/**
 * Loads the kubeconfig as kubectl does: the files in KUBECONFIG (merged, first wins), else
 * ~/.kube/config, else the in-cluster service account. Nothing found is an error naming where
 * agentctl looked; client-node's own fallback (a cluster at localhost:8080) is never used.
 */
export async function loadKubeClient(options: KubeClientOptions): Promise<KubeClient> {
  const lib = await import('./client-node.js');
  const config = new lib.KubeConfig();
  const listed = (options.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  const candidates = listed.length > 0 ? listed : [join(options.homedir, '.kube', 'config')];
  const files: string[] = [];
  for (const file of candidates) if (await exists(file)) files.push(file);
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
      throw new ConfigError('KUBECONFIG_INVALID', `Cannot read the kubeconfig ${files.join(', ')}: ${(error as Error).message}`, {
        hint: 'Check the file with `kubectl config view`',
        cause: error,
      });
    }
    source = files.join(delimiter);
  } else if (options.env.KUBERNETES_SERVICE_HOST) {
    config.loadFromCluster();
    source = 'in-cluster';
  } else {
    throw new RuntimeNotFoundError('KUBECONFIG_NOT_FOUND', `No kubeconfig found (looked at ${candidates.join(', ')})`, {
      hint: 'Point KUBECONFIG at your cluster\'s kubeconfig, or use the engine backend (`--backend engine`)',
      details: { looked: candidates },
    });
  }
  if (options.context !== undefined) {
    if (!config.getContextObject(options.context)) {
      const known = config.getContexts().map((context) => context.name);
      throw new ConfigError('KUBE_CONTEXT_UNKNOWN', `No context "${options.context}" in the kubeconfig (${source})`, {
        hint: known.length > 0 ? `Use one of: ${known.join(', ')}` : 'Add the context with `kubectl config set-context`',
      });
    }
    config.setCurrentContext(options.context);
  }
  const context = config.getCurrentContext();
  const cluster = config.getCurrentCluster();
  if (!context || !cluster) {
    throw new ConfigError('KUBE_CONTEXT_UNKNOWN', `The kubeconfig (${source}) has no current context`, {
      hint: 'Choose one with --kube-context NAME or `kubectl config use-context NAME`',
    });
  }
  const namespace = options.namespace ?? config.getContextObject(context)?.namespace ?? 'default';
  return { config, core: config.makeApiClient(lib.CoreV1Api), lib, namespace, context, server: cluster.server, source };
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
  if (status === 404) return new NotFoundError('KUBERNETES_OBJECT_NOT_FOUND', `Could not ${action}: ${message}`, { hint: 'List agents with `agentctl ls --all`', cause: error });
  if (status === 409) return new ConflictError('KUBERNETES_CONFLICT', `Could not ${action}: ${message}`, { hint: 'Another agentctl changed it at the same time; retry', cause: error });
  if (status === 401 || status === 403) {
    return new EngineError('KUBERNETES_FORBIDDEN', `The cluster refused to ${action}: ${message}`, {
      hint: `Ask for the permissions listed by \`agentctl doctor --backend kubernetes\`${client ? ` in namespace ${client.namespace}` : ''}`,
      cause: error,
    });
  }
  if (status === undefined) {
    return new RuntimeNotFoundError('CLUSTER_UNREACHABLE', `Cannot reach the Kubernetes API server${client ? ` at ${client.server}` : ''}: ${message}`, {
      hint: 'Check the cluster is up and the kubeconfig context is right (`kubectl cluster-info`)',
      cause: error,
    });
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
