import { describe, expect, it } from 'vitest';
import { parseHostPattern } from '../host-pattern.js';
import { formatAuthority, getPolicyDecision, hostHeaderMatches, parseAuthority } from './policy.js';

describe('parseAuthority', () => {
  it('reads names, IPv4 and bracketed IPv6 with ports; refuses the rest', () => {
    expect(parseAuthority('API.example.com:443')).toEqual({ host: 'api.example.com', port: 443 });
    expect(parseAuthority('192.0.2.1:8080')).toEqual({ host: '192.0.2.1', port: 8080 });
    expect(parseAuthority('[2001:DB8::1]:443')).toEqual({ host: '2001:db8::1', port: 443 });
    expect(parseAuthority('example.com', 80)).toEqual({ host: 'example.com', port: 80 });
    for (const bad of [
      'example.com',
      'example.com:0',
      'example.com:99999',
      '::1:443',
      '[example.com]:443',
      'a b:443',
      'x:y:443',
      '',
    ])
      expect(parseAuthority(bad), bad).toBeUndefined();
    expect(formatAuthority({ host: '2001:db8::1', port: 443 })).toBe('[2001:db8::1]:443');
  });
});

describe('getPolicyDecision', () => {
  const allow = ['registry.npmjs.org', '*.github.com'].map(parseHostPattern);
  it('allowlist: listed hosts only', () => {
    expect(getPolicyDecision('allowlist', allow, { host: 'api.github.com', port: 443 })).toEqual({ action: 'allowed' });
    expect(getPolicyDecision('allowlist', allow, { host: 'pypi.org', port: 443 })).toEqual({
      action: 'denied',
      reason: 'not in allowlist',
    });
  });
  it('learn: everything, marking what the allowlist would refuse; open: everything', () => {
    expect(getPolicyDecision('learn', allow, { host: 'pypi.org', port: 443 })).toEqual({ action: 'learned' });
    expect(getPolicyDecision('learn', allow, { host: 'registry.npmjs.org', port: 443 })).toEqual({ action: 'allowed' });
    expect(getPolicyDecision('open', [], { host: 'pypi.org', port: 443 })).toEqual({ action: 'allowed' });
  });
});

describe('hostHeaderMatches', () => {
  const tunnel = { host: 'api.example.com', port: 443 };
  it('accepts the tunnel host (default port, any case) and refuses another', () => {
    expect(hostHeaderMatches('api.example.com', tunnel, 443)).toBe(true);
    expect(hostHeaderMatches('API.Example.com:443', tunnel, 443)).toBe(true);
    expect(hostHeaderMatches(undefined, tunnel, 443)).toBe(true);
    expect(hostHeaderMatches('api.example.com:8443', tunnel, 443)).toBe(false);
    expect(hostHeaderMatches('evil.example', tunnel, 443)).toBe(false);
    expect(hostHeaderMatches('api.example.com.evil.example', tunnel, 443)).toBe(false);
  });
});
