import { describe, expect, it } from 'vitest';
import { listRegistryTags, parseWwwAuthenticate, registryBaseUrl } from './registry-client.js';

function fakeFetch(handler: (url: string, headers: Record<string, string>) => Response): {
  fetch: typeof fetch;
  calls: string[];
} {
  const calls: string[] = [];
  const impl = (async (input: string | URL, init?: RequestInit) => {
    const url = String(input);
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push(`${url} ${headers.authorization ?? '-'}`);
    return handler(url, headers);
  }) as typeof fetch;
  return { fetch: impl, calls };
}

describe('registry tag listing', () => {
  it('uses http only for loopback registries', () => {
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('localhost:5000')).toBe('http://localhost:5000');
    expect(registryBaseUrl('ghcr.io')).toBe('https://ghcr.io');
    expect(registryBaseUrl('docker.io')).toBe('https://registry-1.docker.io');
  });

  it('parses WWW-Authenticate challenges', () => {
    expect(
      parseWwwAuthenticate('Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull"'),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'reg', scope: 'repository:a/b:pull' },
    });
  });

  it('follows the bearer token flow with basic credentials, then pages with Link', async () => {
    const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;
    const { fetch, calls } = fakeFetch((url, headers) => {
      if (url.startsWith('https://auth.example/token')) {
        return headers.authorization === basic ? Response.json({ token: 'T' }) : new Response('', { status: 401 });
      }
      if (headers.authorization !== 'Bearer T') {
        return new Response('', {
          status: 401,
          headers: {
            'www-authenticate': 'Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull"',
          },
        });
      }
      if (url.includes('last=')) return Response.json({ tags: ['2.0.0'] });
      return Response.json(
        { tags: ['1.0.0', '1.2.0'] },
        { headers: { link: '</v2/a/b/tags/list?n=1000&last=1.2.0>; rel="next"' } },
      );
    });
    const tags = await listRegistryTags(
      { registry: 'reg.example', path: 'a/b' },
      { auth: { username: 'u', password: 'p', serveraddress: 'reg.example' }, fetch },
    );
    expect(tags).toEqual(['1.0.0', '1.2.0', '2.0.0']);
    expect(calls[1]).toBe(`https://auth.example/token?service=reg&scope=repository%3Aa%2Fb%3Apull ${basic}`);
  });

  it('fails with REGISTRY_AUTH_FAILED when the token endpoint refuses', async () => {
    const { fetch } = fakeFetch((url) =>
      url.includes('/token')
        ? new Response('', { status: 401 })
        : new Response('', {
            status: 401,
            headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token"' },
          }),
    );
    await expect(listRegistryTags({ registry: 'reg.example', path: 'a/b' }, { fetch })).rejects.toMatchObject({
      code: 'REGISTRY_AUTH_FAILED',
    });
  });

  it('fails with REGISTRY_UNREACHABLE naming the registry when nothing answers', async () => {
    const fetch = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof globalThis.fetch;
    await expect(listRegistryTags({ registry: '127.0.0.1:1', path: 'a' }, { fetch })).rejects.toMatchObject({
      code: 'REGISTRY_UNREACHABLE',
      message: expect.stringContaining('127.0.0.1:1'),
    });
  });
});
