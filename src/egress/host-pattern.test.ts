import { describe, expect, it } from 'vitest';
import { UsageError } from '../shared/errors.js';
import { exitCodeFor } from '../shared/exit-codes.js';
import { addressToBigInt, inRange, isHostAllowed, matchesHostPattern, parseHostPattern } from './host-pattern.js';

const allows = (entry: string, host: string, port: number) => matchesHostPattern(parseHostPattern(entry), host, port);

describe('parseHostPattern', () => {
  it('reads names, wildcards, addresses, ranges, ports and schemes', () => {
    expect(parseHostPattern('API.Example.com.')).toEqual({
      kind: 'name',
      name: 'api.example.com',
      ports: [443, 80],
      entry: 'API.Example.com.',
    });
    expect(parseHostPattern('*.github.com:8443')).toMatchObject({
      kind: 'wildcard',
      suffix: 'github.com',
      ports: [8443],
    });
    expect(parseHostPattern('https://registry.npmjs.org')).toMatchObject({ kind: 'name', ports: [443] });
    expect(parseHostPattern('http://deb.debian.org/')).toMatchObject({ kind: 'name', ports: [80] });
    expect(parseHostPattern('10.1.2.3')).toMatchObject({ kind: 'address', family: 4, address: '10.1.2.3', prefix: 32 });
    expect(parseHostPattern('10.0.0.0/8:5432')).toMatchObject({ kind: 'address', prefix: 8, ports: [5432] });
    expect(parseHostPattern('[FD00::1]:8443')).toMatchObject({
      kind: 'address',
      family: 6,
      address: 'fd00::1',
      ports: [8443],
    });
    expect(parseHostPattern('[fd00::/8]')).toMatchObject({ kind: 'address', family: 6, prefix: 8, ports: [443, 80] });
  });

  it.each([
    ['', 'empty'],
    ['exa mple.com', 'spaces'],
    ['example.com/path', 'a path'],
    ['user@example.com', 'a user'],
    ['example.com:0', 'port 0'],
    ['example.com:70000', 'port too large'],
    ['example.com:http', 'named port'],
    ['*', 'bare wildcard'],
    ['*.com', 'wildcard over a top-level domain'],
    ['api.*.example.com', 'wildcard in the middle'],
    ['*example.com', 'wildcard without a dot'],
    ['-bad.example.com', 'label starting with a dash'],
    ['2001:db8::1', 'IPv6 without brackets'],
    ['[example.com]', 'a name in brackets'],
    ['[::1', 'missing bracket'],
    ['300.1.1.1', 'not an IPv4 address'],
    ['10.0.0.0/33', 'prefix too long'],
    ['1.2.3', 'digits only'],
    ['ftp://example.com', 'another scheme'],
  ])('rejects %j (%s) as INVALID_ALLOW_ENTRY, a usage error (exit 2)', (entry) => {
    let caught: unknown;
    try {
      parseHostPattern(entry);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect(caught).toMatchObject({ code: 'INVALID_ALLOW_ENTRY', hint: expect.stringContaining('*.example.com') });
    expect(exitCodeFor((caught as UsageError).kind)).toBe(2);
  });
});

describe('matchesHostPattern', () => {
  it('a name matches itself, any case and trailing dot, on 443 and 80 by default, not its subdomains', () => {
    expect(allows('example.com', 'example.com', 443)).toBe(true);
    expect(allows('example.com', 'EXAMPLE.com.', 80)).toBe(true);
    expect(allows('example.com', 'example.com', 8443)).toBe(false);
    expect(allows('example.com', 'api.example.com', 443)).toBe(false);
    expect(allows('example.com', 'badexample.com', 443)).toBe(false);
    expect(allows('example.com', 'example.com.evil.test', 443)).toBe(false);
  });

  it('a wildcard matches subdomains at any depth, never the bare domain nor look-alikes', () => {
    expect(allows('*.github.com', 'api.github.com', 443)).toBe(true);
    expect(allows('*.github.com', 'a.b.github.com', 443)).toBe(true);
    expect(allows('*.github.com', 'github.com', 443)).toBe(false);
    expect(allows('*.github.com', 'evilgithub.com', 443)).toBe(false);
    expect(allows('*.github.com', 'github.com.evil.test', 443)).toBe(false);
  });

  it('a port or scheme narrows the ports', () => {
    expect(allows('example.com:8443', 'example.com', 8443)).toBe(true);
    expect(allows('example.com:8443', 'example.com', 443)).toBe(false);
    expect(allows('https://example.com', 'example.com', 80)).toBe(false);
    expect(allows('http://example.com', 'example.com', 80)).toBe(true);
  });

  it('addresses and ranges match address literals only, and names never match them', () => {
    expect(allows('10.0.0.0/8', '10.20.30.40', 443)).toBe(true);
    expect(allows('10.0.0.0/8', '11.0.0.1', 443)).toBe(false);
    expect(allows('192.168.1.5', '192.168.1.5', 80)).toBe(true);
    expect(allows('192.168.1.5', '192.168.1.6', 80)).toBe(false);
    expect(allows('[fd00::/8]', '[fd12::1]', 443)).toBe(true);
    expect(allows('[fd00::/8]', 'fe80::1', 443)).toBe(false);
    expect(allows('example.com', '93.184.215.14', 443)).toBe(false);
    expect(allows('10.0.0.0/8', 'ten.example.com', 443)).toBe(false);
  });

  it('isHostAllowed: any entry of the list', () => {
    const list = ['registry.npmjs.org', '*.github.com'].map(parseHostPattern);
    expect(isHostAllowed(list, 'codeload.github.com', 443)).toBe(true);
    expect(isHostAllowed(list, 'registry.npmjs.org', 443)).toBe(true);
    expect(isHostAllowed(list, 'pypi.org', 443)).toBe(false);
    expect(isHostAllowed([], 'pypi.org', 443)).toBe(false);
  });
});

describe('addresses as numbers', () => {
  it('reads IPv4, IPv6 and IPv6 with a dotted tail', () => {
    expect(addressToBigInt('1.2.3.4')).toEqual({ family: 4, value: 0x01020304n });
    expect(addressToBigInt('::1')).toEqual({ family: 6, value: 1n });
    expect(addressToBigInt('::ffff:1.2.3.4')).toEqual({ family: 6, value: 0xffff01020304n });
    expect(addressToBigInt('2001:db8::')?.value).toBe(0x20010db8n << 96n);
    expect(addressToBigInt('example.com')).toBeUndefined();
    expect(inRange('172.31.255.255', '172.16.0.0', 12)).toBe(true);
    expect(inRange('172.32.0.0', '172.16.0.0', 12)).toBe(false);
    expect(inRange('::1', '127.0.0.0', 8)).toBe(false);
  });
});
