import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../runtime/endpoint.js';
import type { EngineFacts } from './check.js';
import { checkSocket } from './socket-check.js';

const noFs = {
  stat: () => Promise.reject(new Error('a remote endpoint has no socket file to look at')),
  canReadWrite: () => Promise.reject(new Error('a remote endpoint has no socket file to look at')),
  freeBytes: () => Promise.reject(new Error('not used')),
};

function check(endpoint: Endpoint) {
  const facts = { connected: { runtime: { endpoint } } } as unknown as EngineFacts;
  return checkSocket(facts, { fs: noFs, platform: 'linux' });
}

describe('checkSocket on remote endpoints: TLS by the same rule as the requests', () => {
  it.each([
    ['tcp://10.0.0.5:2376', { verify: true, ca: 'CA' }, 'ok', 'tcp://10.0.0.5:2376 (TLS)'],
    ['tcp://10.0.0.5:2376', { verify: true, ca: 'CA', cert: 'C', key: 'K' }, 'ok', 'tcp://10.0.0.5:2376 (TLS)'],
    ['https://engine.example:2376', undefined, 'ok', 'https://engine.example:2376 (TLS)'],
    ['tcp://127.0.0.1:2375', undefined, 'ok', 'tcp://127.0.0.1:2375 (loopback)'],
    ['ssh://me@build-host', undefined, 'ok', 'ssh://me@build-host (ssh)'],
  ] as const)('%s with %o: %s', async (url, tls, status, message) => {
    expect(await check({ url, source: 'test', ...(tls ? { tls } : {}) })).toMatchObject({ status, message });
  });

  it('warns about plain TCP to another host, and http:// even with certificates (they are not used)', async () => {
    for (const endpoint of [
      { url: 'tcp://10.0.0.5:2375', source: 'test' },
      { url: 'http://10.0.0.5:2375', source: 'test', tls: { verify: true, cert: 'C', key: 'K' } },
    ]) {
      expect(await check(endpoint)).toMatchObject({
        status: 'warn',
        message: `${endpoint.url} is plain TCP without TLS: anyone on the network who reaches it controls the engine`,
      });
    }
  });
});
