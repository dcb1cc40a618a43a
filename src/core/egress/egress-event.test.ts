import { describe, expect, it } from 'vitest';
import type { EgressEvent } from '../../egress/contract.js';
import { formatEgressEvent, getAllowEntry, parseEgressEvent } from './egress-event.js';

const line = (event: Partial<EgressEvent> & Pick<EgressEvent, 'host'>) =>
  `${JSON.stringify({ time: '2026-12-02T04:47:20.311Z', port: 443, action: 'allowed', ...event })}\n`;

describe('parseEgressEvent and formatEgressEvent', () => {
  it('prints one line per event: time to the second, agent, action, host:port, reason, secrets', () => {
    const denied = parseEgressEvent(
      line({ agent: 'fixer', host: 'pypi.org', action: 'denied', reason: 'not in allowlist' }).trim(),
    )!;
    expect(formatEgressEvent(denied)).toBe('2026-12-02T04:47:20Z fixer denied pypi.org:443 (not in allowlist)');
    const injected = parseEgressEvent(
      line({ agent: 'fixer', host: 'api.anthropic.com', injected: ['ANTHROPIC_API_KEY'] }),
    )!;
    expect(formatEgressEvent(injected)).toBe(
      '2026-12-02T04:47:20Z fixer allowed api.anthropic.com:443 injected ANTHROPIC_API_KEY',
    );
    const refused = parseEgressEvent(line({ agent: 'a', host: 'x.test', placeholderRefused: ['K'] }))!;
    expect(formatEgressEvent(refused)).toContain('placeholder refused K');
    expect(formatEgressEvent({ ...denied, agent: undefined, host: '::1' })).toContain(' - denied [::1]:443');
  });

  it('keeps only the contract’s fields and escapes control characters the agent sent', () => {
    const event = parseEgressEvent(line({ agent: 'a', host: 'evil\u001b[2J.test', extra: 'x' } as never))!;
    expect(event).not.toHaveProperty('extra');
    expect(formatEgressEvent(event)).toContain('evil\\u001b[2J.test');
  });

  it('is no event: other JSON, a wrong type, a diagnostic line', () => {
    for (const text of [
      'not json',
      '[]',
      '{"level":"warn","message":"x"}',
      line({ host: 'a', port: '443' } as never),
      line({ host: 'a', action: 'maybe' } as never),
    ])
      expect(parseEgressEvent(text)).toBeUndefined();
  });
});

describe('getAllowEntry', () => {
  const event = (extra: Partial<EgressEvent>): EgressEvent => ({
    time: 't',
    agent: 'a',
    host: 'pypi.org',
    port: 443,
    action: 'learned',
    ...extra,
  });
  it('gives the host for 443 and 80, host:port otherwise; IPv6 in brackets', () => {
    expect(getAllowEntry(event({}))).toBe('pypi.org');
    expect(getAllowEntry(event({ port: 80, host: 'Deb.Debian.org' }))).toBe('deb.debian.org');
    expect(getAllowEntry(event({ port: 8443, action: 'denied', reason: 'not in allowlist' }))).toBe('pypi.org:8443');
    expect(getAllowEntry(event({ host: 'fd00::1', port: 5432 }))).toBe('[fd00::1]:5432');
  });

  it('gives nothing for what an entry would not change, or what is no entry', () => {
    expect(getAllowEntry(event({ action: 'allowed' }))).toBeUndefined();
    expect(getAllowEntry(event({ action: 'denied', reason: 'loopback address' }))).toBeUndefined();
    expect(getAllowEntry(event({ host: '*.example.com' }))).toBeUndefined();
    expect(getAllowEntry(event({ host: 'a b;rm -rf' }))).toBeUndefined();
    // The allowlist refuses before the address rules: an entry would not open loopback, would a private address.
    expect(getAllowEntry(event({ host: '127.0.0.1', action: 'denied', reason: 'not in allowlist' }))).toBeUndefined();
    expect(
      getAllowEntry(event({ host: '::ffff:169.254.169.254', action: 'denied', reason: 'not in allowlist' })),
    ).toBeUndefined();
    expect(getAllowEntry(event({ host: '10.1.2.3', action: 'denied', reason: 'not in allowlist' }))).toBe('10.1.2.3');
  });
});
