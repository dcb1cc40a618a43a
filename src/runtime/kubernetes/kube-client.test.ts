import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeError, kubeMessage, kubeStatus, loadKubeClient, orUndefined } from './kube-client.js';

const failure = (code: number | undefined, message: string) => ({
  code,
  body: JSON.stringify({ kind: 'Status', message }),
  message: `HTTP-Code: ${code}\nMessage: Unknown API Status Code!\nBody: …`,
});
const client = { server: 'https://k8s.example:6443', namespace: 'team' };

describe('API failures as typed errors', () => {
  it("takes the API server's own words from the Status body, else the first line of the client's", () => {
    expect(kubeMessage(failure(404, 'pods "x" not found'))).toBe('pods "x" not found');
    expect(kubeMessage({ body: 'plain text\n' })).toBe('plain text');
    expect(kubeMessage(new Error('connect ECONNREFUSED 127.0.0.1:6443\nmore'))).toBe(
      'connect ECONNREFUSED 127.0.0.1:6443',
    );
    expect(kubeStatus(failure(409, 'x'))).toBe(409);
    expect(kubeStatus(new Error('x'))).toBeUndefined();
  });

  it.each([
    [404, 'configmaps "a" not found', 'KUBERNETES_OBJECT_NOT_FOUND'],
    [409, 'the object has been modified', 'KUBERNETES_CONFLICT'],
    [403, 'pods "a" is forbidden: exceeded quota: q, requested: cpu=1', 'QUOTA_EXCEEDED'],
    [403, 'pod rejected: RuntimeClass "gvisor" not found', 'OCI_RUNTIME_UNKNOWN'],
    [403, 'pods "a" is forbidden: violates PodSecurity "restricted:latest"', 'KUBERNETES_REJECTED'],
    [403, 'pods is forbidden: User "u" cannot create resource "pods" in API group ""', 'KUBERNETES_FORBIDDEN'],
    [401, 'Unauthorized', 'KUBERNETES_FORBIDDEN'],
    [500, 'etcdserver: request timed out', 'KUBERNETES_FAILED'],
    [undefined, 'connect ECONNREFUSED', 'CLUSTER_UNREACHABLE'],
  ])('HTTP %s (%s) is %s, with a hint', (code, message, expected) => {
    const error = kubeError('create the Pod of agentctl-a', failure(code, message), client) as Error & {
      code: string;
      hint?: string;
    };
    expect(error.code).toBe(expected);
    expect(error.hint).toBeTruthy();
  });

  it('names the namespace in the hints of quota and permission failures', () => {
    const quota = kubeError('x', failure(403, 'exceeded quota: q'), client) as Error & { hint: string };
    expect(quota.hint).toContain('kubectl -n team describe resourcequota');
    const denied = kubeError('x', failure(403, 'User "u" cannot list resource "pods"'), client) as Error & {
      hint: string;
    };
    expect(denied.hint).toContain('in namespace team');
  });

  it('orUndefined turns only a 404 into undefined', async () => {
    await expect(orUndefined(Promise.reject(failure(404, 'gone')))).resolves.toBeUndefined();
    await expect(orUndefined(Promise.reject(failure(500, 'boom')))).rejects.toMatchObject({ code: 500 });
  });
});

// client-node is loaded on the way (a few seconds on a loaded machine).
describe('loading the kubeconfig', { timeout: 60_000 }, () => {
  it('fails naming every place it looked when there is none (never localhost:8080)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'agentctl-kube-'));
    await expect(loadKubeClient({ env: {}, homedir: home })).rejects.toMatchObject({
      code: 'KUBECONFIG_NOT_FOUND',
      message: expect.stringContaining(join(home, '.kube', 'config')),
    });
  });

  it('refuses an unknown context, listing the known ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentctl-kube-'));
    const file = join(dir, 'config');
    writeFileSync(
      file,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: dev, context: {cluster: c, user: u, namespace: mine}}]\ncurrent-context: dev\n',
    );
    await expect(loadKubeClient({ env: { KUBECONFIG: file }, homedir: dir, context: 'prod' })).rejects.toMatchObject({
      code: 'KUBE_CONTEXT_UNKNOWN',
      hint: expect.stringContaining('dev'),
    });
    const loaded = await loadKubeClient({ env: { KUBECONFIG: file }, homedir: dir });
    expect(loaded).toMatchObject({ context: 'dev', namespace: 'mine', server: 'https://127.0.0.1:1', source: file });
    expect((await loadKubeClient({ env: { KUBECONFIG: file }, homedir: dir, namespace: 'other' })).namespace).toBe(
      'other',
    );
  });
});
