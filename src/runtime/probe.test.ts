import { describe, expect, it } from 'vitest';
import { classifyConnectionError, versionFromPingHeaders } from './probe.js';

describe('versionFromPingHeaders', () => {
  it('reads a Docker engine from its ping headers', () => {
    expect(
      versionFromPingHeaders({ 'api-version': '1.41', server: 'Docker/20.10.24+dfsg1 (linux)', ostype: 'linux' }),
    ).toEqual({
      kind: 'docker',
      version: '20.10.24+dfsg1',
      apiVersion: '1.41',
      os: 'linux',
    });
  });

  it('reads Podman from Libpod headers, whatever the socket is called', () => {
    expect(
      versionFromPingHeaders({ 'api-version': '1.41', 'libpod-api-version': '4.3.1', server: 'Libpod/4.3.1 (linux)' }),
    ).toMatchObject({ kind: 'podman', version: '4.3.1', apiVersion: '1.41' });
  });

  it('gives nothing for an HTTP server that is not an engine', () => {
    expect(versionFromPingHeaders({ server: 'nginx/1.22.1' })).toBeUndefined();
    expect(versionFromPingHeaders({ 'api-version': '1.41' })).toBeUndefined();
  });
});

describe('classifyConnectionError', () => {
  it.each([
    ['ENOENT', 'absent'],
    ['EACCES', 'permission-denied'],
    ['ECONNREFUSED', 'connection-refused'],
    ['ETIMEDOUT', 'timed-out'],
  ])('maps %s to %s', (code, outcome) => {
    expect(classifyConnectionError(Object.assign(new Error('x'), { code })).outcome).toBe(outcome);
  });

  it('calls an HTTP parse failure "not an engine"', () => {
    expect(
      classifyConnectionError(Object.assign(new Error('Parse Error: Expected HTTP/'), { code: 'HPE_INVALID_CONSTANT' }))
        .outcome,
    ).toBe('not-an-engine');
  });
});
