import { describe, expect, it } from 'vitest';
import { getAddressRefusal, resolveCheckedAddress, type LookupAll } from './address-rules.js';
import { parseHostPattern } from './host-pattern.js';

const none = { allow: [] };

describe('getAddressRefusal', () => {
  it('never lets anyone reach the cloud metadata services, whatever is allowed', () => {
    const everything = { allow: ['169.254.0.0/16', '0.0.0.0/0', '[::/0]', '[fd00::/8]'].map(parseHostPattern) };
    for (const address of ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '::ffff:169.254.169.254']) {
      expect(getAddressRefusal(address, none)).toMatch(/cloud metadata address/);
      expect(getAddressRefusal(address, everything)).toMatch(/cloud metadata address/);
      expect(getAddressRefusal(address, { ...everything, allowLoopback: true })).toMatch(/cloud metadata address/);
    }
  });

  it.each([
    ['127.0.0.1', 'loopback address'],
    ['127.255.0.9', 'loopback address'],
    ['::1', 'loopback address'],
    ['0.0.0.0', 'unspecified address'],
    ['::', 'unspecified address'],
    ['169.254.1.1', 'link-local address'],
    ['fe80::1', 'link-local address'],
    ['febf::1', 'link-local address'],
    ['224.0.0.251', 'multicast address'],
    ['ff02::fb', 'multicast address'],
    ['255.255.255.255', 'reserved address'],
    ['::ffff:127.0.0.1', 'loopback address (IPv4 in IPv6)'],
    ['::ffff:7f00:1', 'loopback address (IPv4 in IPv6)'],
    ['64:ff9b::7f00:1', 'loopback address (IPv4 in IPv6)'],
    ['::127.0.0.1', 'loopback address (IPv4 in IPv6)'],
  ])('%s is never reachable (%s), even when an entry names it', (address, reason) => {
    expect(getAddressRefusal(address, none)).toBe(reason);
    const named = { allow: [parseHostPattern(address.includes(':') ? `[${address}]` : address)] };
    expect(getAddressRefusal(address, named)).toBe(reason);
  });

  it('loopback only under the test-only switch, and nothing else with it', () => {
    expect(getAddressRefusal('127.0.0.1', { allow: [], allowLoopback: true })).toBeUndefined();
    expect(getAddressRefusal('::1', { allow: [], allowLoopback: true })).toBeUndefined();
    expect(getAddressRefusal('169.254.1.1', { allow: [], allowLoopback: true })).toBe('link-local address');
    expect(getAddressRefusal('10.0.0.1', { allow: [], allowLoopback: true })).toMatch(/private/);
  });

  it.each([
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.254',
    '192.168.1.1',
    '100.64.0.1',
    'fd12::1',
    'fc00::1',
    '::ffff:10.0.0.1',
  ])('private %s only when an address or range entry names it', (address) => {
    expect(getAddressRefusal(address, none)).toMatch(/not named in the allowlist/);
    expect(getAddressRefusal(address, { allow: [parseHostPattern('example.com')] })).toMatch(/not named/);
    const v4 = address.replace(/^::ffff:/, '');
    const range = v4.includes(':') ? '[fc00::/7]' : `${v4.split('.')[0]}.0.0.0/8`;
    expect(getAddressRefusal(address, { allow: [parseHostPattern(range)] })).toBeUndefined();
  });

  it('public addresses are reachable', () => {
    for (const address of ['93.184.215.14', '172.32.0.1', '2606:4700::1111', '8.8.8.8', '::ffff:8.8.8.8'])
      expect(getAddressRefusal(address, none)).toBeUndefined();
    expect(getAddressRefusal('not-an-address', none)).toBe('not an IP address');
  });
});

describe('resolveCheckedAddress', () => {
  const lookupOf = (answers: Record<string, string[]>): LookupAll & { calls: string[] } => {
    const calls: string[] = [];
    const lookup = async (host: string) => {
      calls.push(host);
      const found = answers[host];
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return found.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
    };
    return Object.assign(lookup, { calls });
  };

  it('returns the first address after checking all of them', async () => {
    const lookup = lookupOf({ 'api.example.com': ['93.184.215.14', '2606:4700::1111'] });
    expect(await resolveCheckedAddress('api.example.com', lookup, none)).toEqual({
      ok: true,
      address: { address: '93.184.215.14', family: 4 },
    });
    expect(lookup.calls).toEqual(['api.example.com']);
  });

  it('refuses a name when any of its addresses is refused (metadata behind a name, rebinding)', async () => {
    const lookup = lookupOf({
      'metadata.evil.test': ['169.254.169.254'],
      'mixed.evil.test': ['93.184.215.14', '127.0.0.1'],
      'inside.evil.test': ['10.0.0.7'],
    });
    expect(await resolveCheckedAddress('metadata.evil.test', lookup, none)).toEqual({
      ok: false,
      reason: 'cloud metadata address',
    });
    expect(await resolveCheckedAddress('mixed.evil.test', lookup, none)).toEqual({
      ok: false,
      reason: 'loopback address',
    });
    expect(await resolveCheckedAddress('inside.evil.test', lookup, none)).toMatchObject({ ok: false });
    expect(
      await resolveCheckedAddress('inside.evil.test', lookup, { allow: [parseHostPattern('10.0.0.0/24')] }),
    ).toMatchObject({ ok: true, address: { address: '10.0.0.7' } });
  });

  it('checks address literals without a lookup, brackets or not', async () => {
    const lookup = lookupOf({});
    expect(await resolveCheckedAddress('169.254.169.254', lookup, none)).toEqual({
      ok: false,
      reason: 'cloud metadata address',
    });
    expect(await resolveCheckedAddress('[::1]', lookup, none)).toEqual({ ok: false, reason: 'loopback address' });
    expect(await resolveCheckedAddress('[2606:4700::1111]', lookup, none)).toMatchObject({ ok: true });
    expect(lookup.calls).toEqual([]);
  });

  it('a name that does not resolve is refused with the resolver code', async () => {
    expect(await resolveCheckedAddress('nowhere.invalid', lookupOf({}), none)).toEqual({
      ok: false,
      reason: 'name not resolved (ENOTFOUND)',
    });
    expect(await resolveCheckedAddress('empty.test', async () => [], none)).toEqual({
      ok: false,
      reason: 'name not resolved',
    });
  });
});
