import { ImageError } from '../shared/errors.js';
import type { RegistryAuth } from '../runtime/image-operations.js';
import { DOCKER_HUB, DOCKER_HUB_API_HOST, isLoopbackRegistry, type ImageReference } from '../shared/image-reference.js';

export type Fetch = typeof fetch;

/** The registry API base: plain http only for loopback registries (as the engines allow). */
export function registryBaseUrl(registry: string): string {
  if (registry === DOCKER_HUB) return `https://${DOCKER_HUB_API_HOST}`;
  return `${isLoopbackRegistry(registry) ? 'http' : 'https'}://${registry}`;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (or `Basic realm=…`). */
export function parseWwwAuthenticate(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const pattern = /(\w+)=(?:"([^"]*)"|([^,\s]*))/g;
  for (const match of header.slice(space + 1).matchAll(pattern))
    params[match[1]!.toLowerCase()] = match[2] ?? match[3] ?? '';
  return { scheme, params };
}

function basic(auth: RegistryAuth | undefined): string | undefined {
  if (!auth?.username || auth.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

async function bearerToken(
  params: Record<string, string>,
  auth: RegistryAuth | undefined,
  fetchImpl: Fetch,
  signal?: AbortSignal,
): Promise<string> {
  const url = new URL(params.realm ?? '');
  if (params.service) url.searchParams.set('service', params.service);
  if (params.scope) url.searchParams.set('scope', params.scope);
  const header = basic(auth);
  const response = await fetchImpl(url, {
    headers: header ? { authorization: header } : {},
    ...(signal ? { signal } : {}),
  });
  if (!response.ok)
    throw Object.assign(new Error(`token endpoint answered ${response.status}`), { status: response.status });
  const doc = (await response.json()) as { token?: string; access_token?: string };
  const token = doc.token ?? doc.access_token;
  if (!token) throw new Error('token endpoint gave no token');
  return token;
}

/**
 * Lists a repository's tags with the registry HTTP API v2 (`GET /v2/<name>/tags/list`), following
 * the token flow on a 401 with `WWW-Authenticate: Bearer`, basic auth on `Basic`, and `Link` pages.
 */
export async function listRegistryTags(
  ref: Pick<ImageReference, 'registry' | 'path'>,
  options: { auth?: RegistryAuth; signal?: AbortSignal; fetch?: Fetch } = {},
): Promise<string[]> {
  const fetchImpl = options.fetch ?? fetch;
  const base = registryBaseUrl(ref.registry);
  let next: string | undefined = `${base}/v2/${ref.path}/tags/list?n=1000`;
  let authorization: string | undefined;
  const tags: string[] = [];
  const fail = (message: string, code = 'REGISTRY_UNREACHABLE', cause?: unknown): ImageError =>
    new ImageError(code, message, {
      hint:
        code === 'REGISTRY_AUTH_FAILED'
          ? `Log in with \`docker login ${ref.registry}\` and try again`
          : `Check that ${ref.registry} is up and reachable, or pin an exact tag`,
      ...(cause === undefined ? {} : { cause }),
      details: { registry: ref.registry, repository: ref.path },
    });
  for (let page = 0; next !== undefined && page < 50; page++) {
    let response: Response;
    try {
      const init = (): RequestInit => ({
        headers: authorization ? { authorization } : {},
        ...(options.signal ? { signal: options.signal } : {}),
      });
      response = await fetchImpl(next, init());
      if (response.status === 401 && authorization === undefined) {
        const challenge = parseWwwAuthenticate(response.headers.get('www-authenticate') ?? '');
        authorization =
          challenge.scheme === 'bearer'
            ? `Bearer ${await bearerToken(challenge.params, options.auth, fetchImpl, options.signal)}`
            : basic(options.auth);
        if (authorization === undefined)
          throw fail(
            `Registry ${ref.registry} requires credentials to list tags of ${ref.path}`,
            'REGISTRY_AUTH_FAILED',
          );
        response = await fetchImpl(next, init());
      }
    } catch (error) {
      if (error instanceof ImageError || options.signal?.aborted) throw error;
      const status = (error as { status?: number }).status;
      if (status === 401 || status === 403)
        throw fail(`Registry ${ref.registry} refused the credentials for ${ref.path}`, 'REGISTRY_AUTH_FAILED', error);
      throw fail(
        `Registry ${ref.registry} cannot be reached to list tags of ${ref.path}`,
        'REGISTRY_UNREACHABLE',
        error,
      );
    }
    if (response.status === 401 || response.status === 403)
      throw fail(`Registry ${ref.registry} refused the credentials for ${ref.path}`, 'REGISTRY_AUTH_FAILED');
    if (response.status === 404)
      throw fail(`Repository ${ref.path} was not found in registry ${ref.registry}`, 'IMAGE_NOT_FOUND');
    if (!response.ok) throw fail(`Registry ${ref.registry} answered ${response.status} listing tags of ${ref.path}`);
    const doc = (await response.json()) as { tags?: string[] | null };
    tags.push(...(doc.tags ?? []));
    const link = response.headers.get('link');
    const target = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/)?.[1];
    next = target === undefined ? undefined : new URL(target, base).toString();
  }
  return tags;
}
