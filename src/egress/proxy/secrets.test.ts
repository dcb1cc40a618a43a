import { describe, expect, it } from 'vitest';
import { parseHostPattern } from '../host-pattern.js';
import type { PreparedSecret } from './registrations.js';
import { rewriteRequestHeaders } from './secrets.js';

const secret = (fields: Partial<PreparedSecret> & { hosts: string[] }): PreparedSecret => ({
  name: 'ANTHROPIC_API_KEY',
  placeholder: 'agentctl-placeholder-aaaaaaaaaaaaaaaa',
  value: 'sk-real-value',
  header: 'x-api-key',
  format: '{value}',
  ...fields,
  hostPatterns: fields.hosts.map(parseHostPattern),
});
const anthropic = secret({ hosts: ['api.anthropic.com'] });
const github = secret({
  name: 'GH_TOKEN',
  placeholder: 'agentctl-placeholder-gggggggggggggggg',
  value: 'ghp_real',
  header: 'authorization',
  format: 'Bearer {value}',
  hosts: ['github.com', '*.github.com'],
});
const api = { host: 'api.anthropic.com', port: 443, tls: true };

describe('rewriteRequestHeaders', () => {
  it('puts the real value into the bound header on a request to a bound host over TLS', () => {
    const result = rewriteRequestHeaders(
      { 'x-api-key': anthropic.placeholder, accept: '*/*' },
      '/v1/messages',
      [anthropic],
      api,
    );
    expect(result).toEqual({
      headers: { 'x-api-key': 'sk-real-value', accept: '*/*' },
      injected: ['ANTHROPIC_API_KEY'],
      placeholderRefused: [],
    });
  });

  it('writes the format when the header is the placeholder alone; replaces inside otherwise and inside Basic', () => {
    const target = { host: 'api.github.com', port: 443, tls: true };
    expect(
      rewriteRequestHeaders({ authorization: github.placeholder }, '/', [github], target).headers.authorization,
    ).toBe('Bearer ghp_real');
    expect(
      rewriteRequestHeaders({ authorization: `token ${github.placeholder}` }, '/', [github], target).headers
        .authorization,
    ).toBe('token ghp_real');
    const basic = `Basic ${Buffer.from(`x-access-token:${github.placeholder}`).toString('base64')}`;
    const result = rewriteRequestHeaders({ authorization: basic }, '/org/repo.git/info/refs', [github], {
      ...target,
      host: 'github.com',
    });
    expect(result.injected).toEqual(['GH_TOKEN']);
    expect(result.headers.authorization).toBe(`Basic ${Buffer.from('x-access-token:ghp_real').toString('base64')}`);
  });

  it('leaves the placeholder and reports it: another host, plain HTTP, another port, another header, the URL', () => {
    const cases: [Record<string, string>, string, { host: string; port: number; tls: boolean }][] = [
      [{ 'x-api-key': anthropic.placeholder }, '/', { host: 'evil.example', port: 443, tls: true }],
      [{ 'x-api-key': anthropic.placeholder }, '/', { ...api, tls: false }],
      [{ 'x-api-key': anthropic.placeholder }, '/', { ...api, port: 8443 }],
      [{ 'x-other': anthropic.placeholder }, '/', api],
      [{}, `/collect?k=${anthropic.placeholder}`, { host: 'evil.example', port: 443, tls: true }],
      [
        { cookie: `a=${encodeURIComponent(anthropic.placeholder)}` },
        '/',
        { host: 'evil.example', port: 443, tls: true },
      ],
      [{}, `/c?k=${encodeURIComponent(anthropic.placeholder)}`, { host: 'evil.example', port: 443, tls: true }],
    ];
    for (const [headers, url, target] of cases) {
      const result = rewriteRequestHeaders(headers, url, [anthropic], target);
      expect(JSON.stringify(result.headers)).not.toContain('sk-real-value');
      expect(result.injected).toEqual([]);
      if (headers.cookie) continue; // percent-encoded in a header: not decoded, but not replaced either
      expect(result.placeholderRefused, JSON.stringify([headers, url, target])).toEqual(['ANTHROPIC_API_KEY']);
      expect(result.headers).toEqual(headers);
    }
  });

  it('reports a bound secret sent in a second header of a bound request, and leaves headers without placeholders', () => {
    const result = rewriteRequestHeaders(
      { 'x-api-key': anthropic.placeholder, 'x-copy': anthropic.placeholder, authorization: 'Bearer mine' },
      '/',
      [anthropic, github],
      api,
    );
    expect(result.headers).toEqual({
      'x-api-key': 'sk-real-value',
      'x-copy': anthropic.placeholder,
      authorization: 'Bearer mine',
    });
    expect(result.injected).toEqual(['ANTHROPIC_API_KEY']);
    expect(result.placeholderRefused).toEqual(['ANTHROPIC_API_KEY']);
    expect(rewriteRequestHeaders({ accept: '*/*' }, '/', [anthropic, github], api)).toEqual({
      headers: { accept: '*/*' },
      injected: [],
      placeholderRefused: [],
    });
  });

  it('puts one secret bound to two headers into both (x-api-key and authorization), reporting nothing left', () => {
    const bearer = { ...anthropic, header: 'authorization', format: 'Bearer {value}' };
    const result = rewriteRequestHeaders(
      { 'x-api-key': anthropic.placeholder, authorization: `Bearer ${anthropic.placeholder}` },
      '/v1/messages',
      [anthropic, bearer],
      api,
    );
    expect(result).toEqual({
      headers: { 'x-api-key': 'sk-real-value', authorization: 'Bearer sk-real-value' },
      injected: ['ANTHROPIC_API_KEY'],
      placeholderRefused: [],
    });
    // Only one of the two bindings: the other header's placeholder is left, and reported.
    const one = rewriteRequestHeaders(
      { 'x-api-key': anthropic.placeholder, authorization: `Bearer ${anthropic.placeholder}` },
      '/v1/messages',
      [anthropic],
      api,
    );
    expect(one.headers.authorization).toBe(`Bearer ${anthropic.placeholder}`);
    expect(one).toMatchObject({ injected: ['ANTHROPIC_API_KEY'], placeholderRefused: ['ANTHROPIC_API_KEY'] });
  });
});
