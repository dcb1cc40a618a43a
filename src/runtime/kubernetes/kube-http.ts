import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { dirname, resolve } from 'node:path';

/**
 * The few reads every command makes (list and get agents, the version) over plain HTTPS, so that
 * `agentctl ls` on Kubernetes does not load @kubernetes/client-node (~1.5 MB, about 150 ms here).
 * It understands the kubeconfig credentials that need no code of their own: a CA, a client
 * certificate and key, a bearer token (inline or a file), insecure-skip-tls-verify. Anything else
 * (exec plugins, auth providers, several merged files, in-cluster) goes through client-node.
 */
export interface DirectAccess {
  server: string;
  context: string;
  namespace?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  insecure: boolean;
}

interface NamedEntry<T> {
  name?: string;
  cluster?: T;
  user?: T;
  context?: T;
}

type Raw = Record<string, unknown>;

/** The current (or given) context's cluster and user, when plain HTTPS can use them; else undefined. */
export async function readDirectAccess(file: string, wantedContext?: string): Promise<DirectAccess | undefined> {
  // The bundle sees yaml as CommonJS: its functions may sit on `default`.
  const loaded = (await import('yaml')) as typeof import('yaml') & { default?: typeof import('yaml') };
  const { parse } = loaded.default ?? loaded;
  const text = await readFile(file, 'utf8');
  const doc = parse(text) as {
    'current-context'?: string;
    contexts?: NamedEntry<Raw>[];
    clusters?: NamedEntry<Raw>[];
    users?: NamedEntry<Raw>[];
  } | null;
  if (!doc || typeof doc !== 'object') return undefined;
  const contextName = wantedContext ?? doc['current-context'];
  const context = doc.contexts?.find((entry) => entry.name === contextName)?.context;
  if (!contextName || !context) return undefined;
  const cluster = doc.clusters?.find((entry) => entry.name === context.cluster)?.cluster;
  const user = doc.users?.find((entry) => entry.name === context.user)?.user ?? {};
  if (!cluster || typeof cluster.server !== 'string' || !cluster.server.startsWith('https://')) return undefined;
  // Credentials that take code to obtain (plugins, providers) or proxies: client-node's job.
  const handled = new Set([
    'token',
    'tokenFile',
    'client-certificate',
    'client-certificate-data',
    'client-key',
    'client-key-data',
  ]);
  if (Object.keys(user).some((key) => !handled.has(key))) return undefined;
  if (
    Object.keys(cluster).some(
      (key) =>
        ![
          'server',
          'certificate-authority',
          'certificate-authority-data',
          'insecure-skip-tls-verify',
          'extensions',
        ].includes(key),
    )
  )
    return undefined;
  const base = dirname(file);
  const material = async (data: unknown, path: unknown): Promise<Buffer | undefined> => {
    if (typeof data === 'string') return Buffer.from(data, 'base64');
    if (typeof path === 'string') return readFile(resolve(base, path));
    return undefined;
  };
  const token =
    typeof user.token === 'string'
      ? user.token
      : typeof user.tokenFile === 'string'
        ? (await readFile(resolve(base, user.tokenFile), 'utf8')).trim()
        : undefined;
  return {
    server: cluster.server.replace(/\/+$/, ''),
    context: contextName,
    ...(typeof context.namespace === 'string' ? { namespace: context.namespace } : {}),
    ca: await material(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: await material(user['client-certificate-data'], user['client-certificate']),
    key: await material(user['client-key-data'], user['client-key']),
    ...(token ? { token } : {}),
    insecure: cluster['insecure-skip-tls-verify'] === true,
  };
}

/** A failed request in client-node's shape (`code`, `body`), so kubeError maps both alike. */
export class KubeHttpError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${code}: ${(body as { message?: string } | undefined)?.message ?? ''}`);
  }
}

/** GET a JSON document from the API server. */
export function getJson<T>(access: DirectAccess, path: string, timeoutMs = 30_000): Promise<T> {
  const url = new URL(path, `${access.server}/`);
  return new Promise((resolvePromise, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: { Accept: 'application/json', ...(access.token ? { Authorization: `Bearer ${access.token}` } : {}) },
        ...(access.ca ? { ca: access.ca } : {}),
        ...(access.cert ? { cert: access.cert } : {}),
        ...(access.key ? { key: access.key } : {}),
        rejectUnauthorized: !access.insecure,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          if ((res.statusCode ?? 500) >= 400) reject(new KubeHttpError(res.statusCode ?? 500, body));
          else resolvePromise(body as T);
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${access.server} within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}
