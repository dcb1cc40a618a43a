import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../shared/errors.js';
import { normaliseAllowList } from './allow-entry.js';
import { resolveEgress, type EgressInput } from './egress-policy.js';
import { getSecretBinding, KNOWN_BINDINGS } from './secret-bindings.js';

const input = (extra: Partial<EgressInput> = {}): EgressInput => ({
  allow: [],
  config: {},
  dockerAccess: 'none',
  secrets: [],
  ...extra,
});

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return (error as UsageError).code;
  }
  return undefined;
}

describe('egress policy resolution', () => {
  it('is open by default, with no allowlist and no bound secrets', () => {
    const choice = resolveEgress(input({ secrets: ['ANTHROPIC_API_KEY'] }));
    expect(choice.policy).toBe('open');
    expect(choice.allow).toEqual([]);
    expect(choice.bindings.size).toBe(0);
  });

  it('takes the flag over the profile over the config', () => {
    const config = { egress: { policy: 'none' as const } };
    expect(resolveEgress(input({ config })).policy).toBe('none');
    expect(resolveEgress(input({ config, profile: { policy: 'learn' } })).policy).toBe('learn');
    expect(resolveEgress(input({ config, profile: { policy: 'learn' }, policy: 'allowlist' })).policy).toBe(
      'allowlist',
    );
  });

  it('joins config, profile and --allow entries, normalised, and adds the bound secrets hosts', () => {
    const choice = resolveEgress(
      input({
        policy: 'allowlist',
        allow: ['Deb.Debian.org', '*.github.com:443', 'deb.debian.org'],
        config: { egress: { allow: ['registry.npmjs.org'] } },
        profile: { allow: ['pypi.org'] },
        profileName: 'py',
        secrets: ['ANTHROPIC_API_KEY', 'UNBOUND_TOKEN'],
      }),
    );
    expect(choice.allow).toEqual([
      'registry.npmjs.org',
      'pypi.org',
      'deb.debian.org',
      '*.github.com:443',
      'api.anthropic.com',
    ]);
    expect([...choice.bindings.keys()]).toEqual(['ANTHROPIC_API_KEY']);
  });

  it('refuses --allow without a policy that uses it, and an invalid policy', () => {
    expect(codeOf(() => resolveEgress(input({ allow: ['example.com'] })))).toBe('EGRESS_CONFLICT');
    expect(codeOf(() => resolveEgress(input({ policy: 'none', allow: ['example.com'] })))).toBe('EGRESS_CONFLICT');
    expect(codeOf(() => resolveEgress(input({ policy: 'closed' })))).toBe('INVALID_EGRESS');
  });

  it('refuses a network or the engine socket next to a policy that decides the network', () => {
    expect(codeOf(() => resolveEgress(input({ policy: 'allowlist', network: 'host' })))).toBe('EGRESS_CONFLICT');
    expect(codeOf(() => resolveEgress(input({ policy: 'none', config: { network: 'bridge' } })))).toBe(
      'EGRESS_CONFLICT',
    );
    expect(codeOf(() => resolveEgress(input({ policy: 'learn', dockerAccess: 'socket' })))).toBe('EGRESS_CONFLICT');
    expect(resolveEgress(input({ policy: 'none', network: 'none' })).policy).toBe('none');
    expect(resolveEgress(input({ policy: 'open', network: 'host' })).policy).toBe('open');
  });

  it('refuses an invalid --allow entry with a usage error (exit 2)', () => {
    for (const bad of [
      '',
      'a..b',
      '*',
      '*.com',
      'exa mple.com',
      'example.com:0',
      'example.com:99999',
      'http://x.org/path',
    ]) {
      const error = (() => {
        try {
          resolveEgress(input({ policy: 'allowlist', allow: [bad] }));
        } catch (caught) {
          return caught;
        }
      })();
      expect(error, bad).toBeInstanceOf(UsageError);
      expect((error as UsageError).code).toBe('INVALID_ALLOW_ENTRY');
      expect((error as UsageError).message).toContain('--allow');
    }
  });
});

describe('allowlist entries', () => {
  it('are checked by the proxy parser and written in one form', () => {
    expect(normaliseAllowList(['A.example.com', ' a.example.com', '*.Example.COM:8443'], 'x')).toEqual([
      'a.example.com',
      '*.example.com:8443',
    ]);
  });
});

describe('secret bindings', () => {
  it('knows the model APIs and GitHub', () => {
    expect(getSecretBinding('ANTHROPIC_API_KEY', {})).toEqual({
      hosts: ['api.anthropic.com'],
      header: 'x-api-key',
      format: '{value}',
      also: [{ header: 'authorization', format: 'Bearer {value}' }],
    });
    expect(getSecretBinding('CLAUDE_CODE_OAUTH_TOKEN', {})?.format).toBe('Bearer {value}');
    expect(KNOWN_BINDINGS.GH_TOKEN?.hosts).toEqual(['github.com', 'api.github.com']);
    expect(getSecretBinding('MY_TOKEN', {})).toBeUndefined();
  });

  it('takes more headers for one secret from the config (also), each checked', () => {
    const config = (also: { header: string; format?: string }[]) => ({
      egress: { secrets: { MY_TOKEN: { hosts: ['api.example.com'], header: 'x-token', also } } },
    });
    expect(getSecretBinding('MY_TOKEN', config([{ header: 'Authorization', format: 'Bearer {value}' }]))).toEqual({
      hosts: ['api.example.com'],
      header: 'x-token',
      format: '{value}',
      also: [{ header: 'authorization', format: 'Bearer {value}' }],
    });
    expect(() => getSecretBinding('MY_TOKEN', config([{ header: 'bad header' }]))).toThrow(
      /egress\.secrets\.MY_TOKEN\.also\[0\]/,
    );
    expect(() => getSecretBinding('MY_TOKEN', config([{ header: 'x-other', format: 'Bearer' }]))).toThrow(
      /must hold \{value\}/,
    );
  });

  it('takes a binding from the config, checked', () => {
    const config = {
      egress: { secrets: { MY_TOKEN: { hosts: ['api.example.com'], header: 'X-Token', format: 'Token {value}' } } },
    };
    expect(getSecretBinding('MY_TOKEN', config)).toEqual({
      hosts: ['api.example.com'],
      header: 'x-token',
      format: 'Token {value}',
    });
    const noValue = { egress: { secrets: { MY_TOKEN: { hosts: ['api.example.com'], header: 'x', format: 'Token' } } } };
    expect(() => getSecretBinding('MY_TOKEN', noValue)).toThrow(ConfigError);
    const badHeader = { egress: { secrets: { MY_TOKEN: { hosts: ['api.example.com'], header: 'a b' } } } };
    expect(() => getSecretBinding('MY_TOKEN', badHeader)).toThrow(ConfigError);
  });
});
