import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSecrets, secretFileEnv, secretFiles } from './secrets.js';
import { parseEnvEntry, parseEnvFile } from './agent-env.js';

describe('secrets', () => {
  it('reads NAME from the host env and NAME=@file, registering every value for masking', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentctl-secret-'));
    writeFileSync(join(dir, 'token'), 'file-secret-value\n');
    const registered: string[] = [];
    const secrets = await resolveSecrets(
      ['API_KEY', `GH_TOKEN=@${join(dir, 'token')}`],
      [],
      { API_KEY: 'env-secret-value' },
      (v) => registered.push(v),
    );
    expect(secrets.map((s) => [s.name, s.value.toString()])).toEqual([
      ['API_KEY', 'env-secret-value'],
      ['GH_TOKEN', 'file-secret-value\n'],
    ]);
    expect(registered).toEqual(expect.arrayContaining(['env-secret-value', 'file-secret-value']));
    expect(secretFileEnv(secrets)).toEqual([
      ['API_KEY_FILE', '/run/secrets/API_KEY'],
      ['GH_TOKEN_FILE', '/run/secrets/GH_TOKEN'],
    ]);
  });

  it('takes config-offered names only when the host has them', async () => {
    const secrets = await resolveSecrets(
      [],
      ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY'],
      { ANTHROPIC_API_KEY: 'sk-ant-xyz' },
      () => undefined,
    );
    expect(secrets.map((s) => s.name)).toEqual(['ANTHROPIC_API_KEY']);
  });

  it('refuses a missing secret, a value on the command line and a bad name', async () => {
    await expect(resolveSecrets(['NOPE'], [], {}, () => undefined)).rejects.toMatchObject({
      code: 'SECRET_MISSING',
      kind: 'usage',
    });
    await expect(resolveSecrets(['K=value'], [], {}, () => undefined)).rejects.toMatchObject({
      code: 'INVALID_SECRET',
    });
    await expect(resolveSecrets(['1X'], [], {}, () => undefined)).rejects.toMatchObject({ code: 'INVALID_SECRET' });
    await expect(resolveSecrets(['K=@/nonexistent/file'], [], {}, () => undefined)).rejects.toMatchObject({
      code: 'SECRET_FILE_UNREADABLE',
    });
  });

  it('puts the secrets in /run/secrets, readable only by the agent user, and nowhere when there are none', () => {
    expect(secretFiles([{ name: 'K', value: Buffer.from('v'), source: 'environment' }])).toEqual([
      { dir: '/run/secrets', mode: 0o500, files: [{ name: 'K', mode: 0o400, content: Buffer.from('v') }] },
    ]);
    expect(secretFiles([])).toEqual([]);
  });
});

describe('environment options', () => {
  it('parses KEY=VALUE and KEY from the host (skipped when unset)', () => {
    expect(parseEnvEntry('A=b=c', {})).toEqual(['A', 'b=c']);
    expect(parseEnvEntry('HOSTVAR', { HOSTVAR: 'x' })).toEqual(['HOSTVAR', 'x']);
    expect(parseEnvEntry('UNSET', {})).toBeUndefined();
    expect(() => parseEnvEntry('1A=x', {})).toThrow(expect.objectContaining({ code: 'INVALID_ENV' }));
  });

  it('reads env files like docker: comments and blank lines ignored', () => {
    expect(parseEnvFile('# c\n\nA=1\nB\n  C=3 \n', { B: '2' }, 'f')).toEqual([
      ['A', '1'],
      ['B', '2'],
      ['C', '3 '],
    ]);
    expect(() => parseEnvFile('ok=1\nbad key=2', {}, 'f.env')).toThrow(/f\.env:2/);
  });
});
