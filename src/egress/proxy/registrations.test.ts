import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getRegistrationProblem, RegistrationStore } from './registrations.js';

const valid = {
  version: 1,
  agent: 'fixer',
  token: 'a'.repeat(64),
  policy: 'allowlist',
  allow: ['api.anthropic.com'],
  ca: { certPem: 'CERT', keyPem: 'KEY' },
  secrets: [
    {
      name: 'ANTHROPIC_API_KEY',
      placeholder: 'agentctl-placeholder-aaaaaaaaaaaaaaaa',
      value: 'sk-real-secret-value',
      hosts: ['api.anthropic.com'],
      header: 'x-api-key',
      format: '{value}',
    },
  ],
};

describe('getRegistrationProblem', () => {
  it('accepts a sound registration', () => {
    expect(getRegistrationProblem(valid)).toBeUndefined();
    expect(getRegistrationProblem({ ...valid, addressBound: true })).toBeUndefined();
    expect(getRegistrationProblem({ ...valid, addressBound: true, resolveName: 'agentctl-fixer' })).toBeUndefined();
  });

  it.each([
    [{ ...valid, version: 2 }, 'version'],
    [{ ...valid, token: 'short' }, 'token'],
    [{ ...valid, policy: 'none' }, 'policy'],
    [{ ...valid, allow: ['exa mple.com'] }, 'allow'],
    [{ ...valid, ca: {} }, 'ca'],
    [{ ...valid, addressBound: 'yes' }, 'addressBound'],
    [{ ...valid, resolveName: 'agentctl fixer' }, 'resolveName'],
    [{ ...valid, resolveName: '.hidden' }, 'resolveName'],
    [{ ...valid, secrets: [{ ...valid.secrets[0], placeholder: 'short' }] }, 'placeholder'],
    [{ ...valid, secrets: [{ ...valid.secrets[0], header: 'X-Api-Key' }] }, 'header'],
    [{ ...valid, secrets: [{ ...valid.secrets[0], format: 'Bearer' }] }, 'format'],
    [{ ...valid, secrets: [{ ...valid.secrets[0], hosts: [] }] }, 'hosts'],
    [{ ...valid, secrets: [{ ...valid.secrets[0], value: 'sk-real\r\nx-evil: 1' }] }, 'line break'],
  ])('refuses %#, naming %s and never quoting the secret', (registration, what) => {
    const problem = getRegistrationProblem(registration);
    expect(problem).toContain(what);
    expect(problem).not.toContain('sk-real');
  });
});

describe('RegistrationStore', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('finds agents by token, reads again when the directory changed, and reports a bad file once', () => {
    const state = mkdtempSync(path.join(tmpdir(), 'agentctl-registrations-'));
    dirs.push(state);
    mkdirSync(path.join(state, 'agents'));
    writeFileSync(path.join(state, 'agents', 'fixer.json'), JSON.stringify(valid));
    writeFileSync(
      path.join(state, 'agents', 'bad.json'),
      JSON.stringify({ ...valid, token: 'b'.repeat(64), policy: 'x' }),
    );
    const logged: string[] = [];
    const store = new RegistrationStore(state, (_level, message, details) =>
      logged.push(`${message} ${JSON.stringify(details)}`),
    );
    store.reload();
    store.reload();
    expect(store.getByToken('a'.repeat(64))?.registration.agent).toBe('fixer');
    expect(store.getByToken('b'.repeat(64))).toBeUndefined();
    expect(logged).toEqual(['registration ignored: policy is not open, allowlist or learn {"file":"bad.json"}']);
    const kept = store.getByToken('a'.repeat(64));
    writeFileSync(
      path.join(state, 'agents', 'late.json'),
      JSON.stringify({ ...valid, agent: 'late', token: 'c'.repeat(64) }),
    );
    expect(store.getByToken('c'.repeat(64))?.registration.agent).toBe('late');
    // An unchanged file keeps its agent (and its open connections' count and certificates).
    expect(store.getByToken('a'.repeat(64))).toBe(kept);
    expect(logged.join('\n')).not.toContain('sk-real');
    store.stop();
  });

  it('takes the gateway’s own CA (its ca.json) for a registration of ca "gateway"; without one, refuses it', () => {
    const state = mkdtempSync(path.join(tmpdir(), 'agentctl-registrations-'));
    dirs.push(state);
    mkdirSync(path.join(state, 'agents'));
    writeFileSync(path.join(state, 'agents', 'fixer.json'), JSON.stringify({ ...valid, ca: 'gateway' }));
    const logged: string[] = [];
    const store = new RegistrationStore(state, (_level, message) => logged.push(message));
    store.reload();
    expect(store.getByToken('a'.repeat(64))).toBeUndefined();
    expect(logged).toEqual(['registration ignored: ca is not {certPem, keyPem}']);
    writeFileSync(path.join(state, 'ca.json'), JSON.stringify({ certPem: 'GATEWAY CERT', keyPem: 'GATEWAY KEY' }));
    // A registration written after the gateway's CA (as agentctl does): read with it.
    writeFileSync(
      path.join(state, 'agents', 'second.json'),
      JSON.stringify({ ...valid, agent: 'second', token: 'd'.repeat(64), ca: 'gateway' }),
    );
    store.reload();
    expect(store.getByToken('d'.repeat(64))?.registration.ca).toEqual({
      certPem: 'GATEWAY CERT',
      keyPem: 'GATEWAY KEY',
    });
    store.stop();
  });
});
