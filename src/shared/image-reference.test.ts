import { describe, expect, it } from 'vitest';
import {
  canonicalRepository,
  digestFor,
  formatReference,
  isImageId,
  isLoopbackRegistry,
  isRegistryHost,
  parseImageReference,
  qualifyReference,
  registryOf,
  sameRepository,
} from './image-reference.js';

const HEX64 = 'c47be6aa6b456d86a60162597c9f4c094c60a4d3a61baaf3a692e78fdac9a750';

describe('isImageId', () => {
  it.each(['c47be6aa6b45', HEX64, `sha256:${HEX64}`, HEX64.slice(0, 20)])('reads %s as a local image id', (input) => {
    expect(isImageId(input)).toBe(true);
  });

  it.each([
    'debian',
    'c47be6aa6b4',
    'c47be6aa6b45:latest',
    'sha256:c47be6aa6b45',
    'C47BE6AA6B45',
    `${HEX64}0`,
    'library/c47be6aa6b45',
  ])('reads %s as a name', (input) => {
    expect(isImageId(input)).toBe(false);
  });
});

describe('parseImageReference', () => {
  it.each([
    ['debian', { registry: 'docker.io', path: 'library/debian' }],
    ['debian:bookworm-slim', { registry: 'docker.io', path: 'library/debian', tag: 'bookworm-slim' }],
    ['agentctl/agent:1.2.3', { registry: 'docker.io', path: 'agentctl/agent', tag: '1.2.3' }],
    ['ghcr.io/agentctl/agent:1.2.3', { registry: 'ghcr.io', path: 'agentctl/agent', tag: '1.2.3' }],
    [
      '127.0.0.1:5000/agentctl-test/busybox:1.0.0',
      { registry: '127.0.0.1:5000', path: 'agentctl-test/busybox', tag: '1.0.0' },
    ],
    ['localhost/agent', { registry: 'localhost', path: 'agent' }],
    ['index.docker.io/library/debian:12', { registry: 'docker.io', path: 'library/debian', tag: '12' }],
    [`ghcr.io/a/b@sha256:${HEX64}`, { registry: 'ghcr.io', path: 'a/b', digest: `sha256:${HEX64}` }],
    [`ghcr.io/a/b:1@sha256:${HEX64}`, { registry: 'ghcr.io', path: 'a/b', tag: '1', digest: `sha256:${HEX64}` }],
    [`a/b@sha512:${'0'.repeat(128)}`, { registry: 'docker.io', path: 'a/b', digest: `sha512:${'0'.repeat(128)}` }],
  ])('parses %s', (input, expected) => {
    expect(parseImageReference(input)).toEqual(expected);
  });

  it.each(['', 'Upper/Case', 'a b', 'repo:', 'repo:tag with space', 'ghcr.io/', 'x@notadigest', ' debian'])(
    'rejects %j',
    (input) => {
      expect(parseImageReference(input)).toBeUndefined();
    },
  );

  // These parsed, reached the engine ("invalid reference format") and came back as INTERNAL.
  it.each([
    'x@sha256:xyz',
    `x@sha256:${HEX64.slice(1)}`,
    `x@sha256:${HEX64.toUpperCase()}`,
    `x@md5:${'0'.repeat(32)}`,
    `x@sha512:${HEX64}`,
  ])('rejects the bad digest %j', (input) => {
    expect(parseImageReference(input)).toBeUndefined();
  });

  it('formats back to the short form users write', () => {
    expect(formatReference(parseImageReference('debian:12')!)).toBe('debian:12');
    expect(formatReference(parseImageReference('docker.io/agentctl/agent:1')!)).toBe('agentctl/agent:1');
    expect(formatReference(parseImageReference('127.0.0.1:5000/x/y:1')!)).toBe('127.0.0.1:5000/x/y:1');
  });

  it('compares repositories across the short and fully qualified forms (Podman lists the latter)', () => {
    expect(sameRepository('debian:12', 'docker.io/library/debian:bookworm')).toBe(true);
    expect(sameRepository('ghcr.io/a/b', 'ghcr.io/a/c')).toBe(false);
    expect(canonicalRepository(parseImageReference('busybox')!)).toBe('docker.io/library/busybox');
  });

  it('picks the digest that belongs to the reference', () => {
    const digests = ['other.io/x/y@sha256:111', '127.0.0.1:5000/a/b@sha256:222'];
    expect(digestFor('127.0.0.1:5000/a/b:1.0.0', digests)).toBe('sha256:222');
    expect(digestFor('local/only:1', [])).toBeNull();
  });
});

describe('isRegistryHost (the one rule: a dot, a colon, or localhost)', () => {
  it.each([
    'ghcr.io',
    'registry.example.com',
    '127.0.0.1:5000',
    'localhost:5000',
    'localhost',
    'myhost:443',
    '[::1]:5000',
  ])('reads %s as a registry host', (component) => {
    expect(isRegistryHost(component)).toBe(true);
  });

  it.each(['agentctl', 'library', 'my-org', 'localhostx', 'user_name'])(
    'reads %s as a Docker Hub path component',
    (component) => {
      expect(isRegistryHost(component)).toBe(false);
    },
  );
});

describe('registryOf', () => {
  it.each([
    ['debian', 'docker.io'],
    ['library/node:22', 'docker.io'],
    ['agentctl/agent:1', 'docker.io'],
    ['index.docker.io/library/debian', 'docker.io'],
    ['ghcr.io/agentctl/agent:0.1.0', 'ghcr.io'],
    ['127.0.0.1:5000/agentctl-test/busybox:1.0.0', '127.0.0.1:5000'],
    ['localhost/x', 'localhost'],
    // Not a valid reference (a range tag), still a registry the engines would ask.
    ['ghcr.io/agentctl/agent:^1.2', 'ghcr.io'],
    ['agentctl/agent:^1.2', 'docker.io'],
  ])('%s → %s', (reference, registry) => {
    expect(registryOf(reference)).toBe(registry);
  });
});

describe('isLoopbackRegistry (plain HTTP allowed)', () => {
  it.each(['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000'])(
    '%s is on the loopback',
    (r) => {
      expect(isLoopbackRegistry(r)).toBe(true);
    },
  );

  it.each(['ghcr.io', 'docker.io', '127.example.com', 'localhost.example.com:5000', '10.0.0.1:5000'])(
    '%s is not',
    (r) => {
      expect(isLoopbackRegistry(r)).toBe(false);
    },
  );
});

describe('qualifyReference (as the kubelet reports images)', () => {
  it.each([
    ['debian', 'docker.io/library/debian:latest'],
    ['debian:12', 'docker.io/library/debian:12'],
    ['agentctl/agent:1.0.0', 'docker.io/agentctl/agent:1.0.0'],
    ['docker.io/library/debian:12', 'docker.io/library/debian:12'],
    ['index.docker.io/library/debian', 'docker.io/library/debian:latest'],
    ['ghcr.io/agentctl/agent', 'ghcr.io/agentctl/agent:latest'],
    ['localhost:5000/a/b:1', 'localhost:5000/a/b:1'],
    [`ghcr.io/a/b@sha256:${HEX64}`, `ghcr.io/a/b@sha256:${HEX64}`],
    [`debian:12@sha256:${HEX64}`, `docker.io/library/debian:12@sha256:${HEX64}`],
    ['Not A Reference', 'Not A Reference'],
  ])('%s → %s', (reference, qualified) => {
    expect(qualifyReference(reference)).toBe(qualified);
  });
});
