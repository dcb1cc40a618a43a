import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readDirectAccess } from './kube-http.js';

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function kubeconfig(text: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentctl-kubeconfig-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  writeFileSync(join(dir, 'config'), text);
  return join(dir, 'config');
}

const base = (user: string, cluster = 'server: https://k.example:6443\n    certificate-authority: ca.crt') => `
apiVersion: v1
kind: Config
current-context: one
clusters:
- name: c
  cluster:
    ${cluster}
users:
- name: u
  user:
    ${user}
contexts:
- name: one
  context: {cluster: c, user: u, namespace: team}
- name: two
  context: {cluster: c, user: u}
`;

describe('readDirectAccess (kubeconfigs plain HTTPS can use)', () => {
  it('reads the current context: server, CA and client certificate from files beside it, the namespace', async () => {
    const file = kubeconfig(base('client-certificate: me.crt\n    client-key: me.key'), {
      'ca.crt': 'CA',
      'me.crt': 'CERT',
      'me.key': 'KEY',
    });
    const access = await readDirectAccess(file);
    expect(access).toMatchObject({
      server: 'https://k.example:6443',
      context: 'one',
      namespace: 'team',
      insecure: false,
    });
    expect([access!.ca!.toString(), access!.cert!.toString(), access!.key!.toString()]).toEqual(['CA', 'CERT', 'KEY']);
    expect((await readDirectAccess(file, 'two'))?.namespace).toBeUndefined();
  });

  it('takes inline data and tokens', async () => {
    const file = kubeconfig(
      base(
        'token: abc',
        `server: https://k.example\n    certificate-authority-data: ${Buffer.from('CA').toString('base64')}\n    insecure-skip-tls-verify: true`,
      ),
    );
    const access = await readDirectAccess(file);
    expect(access).toMatchObject({ token: 'abc', insecure: true });
    expect(access!.ca!.toString()).toBe('CA');
  });

  it('leaves to client-node what needs code or is not there: exec plugins, auth providers, plain HTTP, unknown contexts', async () => {
    expect(
      await readDirectAccess(
        kubeconfig(base('exec: {command: aws, apiVersion: client.authentication.k8s.io/v1beta1}')),
      ),
    ).toBeUndefined();
    expect(await readDirectAccess(kubeconfig(base('auth-provider: {name: oidc}')))).toBeUndefined();
    expect(await readDirectAccess(kubeconfig(base('token: abc', 'server: http://k.example')))).toBeUndefined();
    expect(await readDirectAccess(kubeconfig(base('token: abc')), 'nope')).toBeUndefined();
  });
});
