import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { clusterSuite } from '../helpers/cluster.js';
import { until } from '../helpers/stream-agents.js';

const { fixture, repo, cli, image } = clusterSuite('errors');
const small = ['--cpus', '0.1', '--memory', '64m'];

describe('the Kubernetes backend: failures say what to do and leave nothing behind', () => {
  it('no kubeconfig, an unknown context and an unreachable cluster each exit with their code', async () => {
    const home = fixture.tempDir();
    const none = await cli(['ls', '--json'], { env: { KUBECONFIG: '', HOME: home } });
    expect(none.exitCode).toBe(4);
    expect(none.json.error).toMatchObject({
      code: 'KUBECONFIG_NOT_FOUND',
      hint: expect.stringContaining('KUBECONFIG'),
    });

    const context = await cli(['ls', '--json', '--kube-context', 'nope']);
    expect(context.exitCode).toBe(3);
    expect(context.json.error).toMatchObject({
      code: 'KUBE_CONTEXT_UNKNOWN',
      hint: expect.stringContaining('agentctl-test'),
    });

    const dead = join(fixture.tempDir(), 'dead.kubeconfig');
    writeFileSync(
      dead,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: abc}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    const unreachable = await cli(['ls', '--json'], { env: { KUBECONFIG: dead } });
    expect(unreachable.exitCode).toBe(4);
    expect(unreachable.json.error).toMatchObject({
      code: 'CLUSTER_UNREACHABLE',
      message: expect.stringContaining('https://127.0.0.1:1'),
    });
  });

  it('a user without the permissions: doctor lists the denied verbs (exit 10), ls fails with KUBERNETES_FORBIDDEN', async () => {
    // A service account with no Role: its token in a kubeconfig of its own. The token Secret is asked
    // for explicitly: from 1.24 the token controller no longer makes one by itself.
    await fixture.core.createNamespacedServiceAccount({
      namespace: fixture.namespace,
      body: { metadata: { name: 'nobody' } },
    });
    await fixture.core.createNamespacedSecret({
      namespace: fixture.namespace,
      body: {
        metadata: { name: 'nobody-token', annotations: { 'kubernetes.io/service-account.name': 'nobody' } },
        type: 'kubernetes.io/service-account-token',
      },
    });
    const token = await until('the service account token', async () => {
      const secrets = await fixture.core.listNamespacedSecret({ namespace: fixture.namespace });
      const secret = secrets.items.find(
        (item) => item.metadata?.annotations?.['kubernetes.io/service-account.name'] === 'nobody' && item.data?.token,
      );
      return secret ? Buffer.from(secret.data!.token!, 'base64').toString() : undefined;
    });
    const config = new KubeConfig();
    config.loadFromFile(fixture.cluster.kubeconfig);
    const cluster = config.getCurrentCluster()!;
    const file = join(fixture.tempDir(), 'nobody.kubeconfig');
    writeFileSync(
      file,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${cluster.server}", certificate-authority-data: "${cluster.caData}"}}]\nusers: [{name: nobody, user: {token: "${token}"}}]\ncontexts: [{name: n, context: {cluster: c, user: nobody, namespace: ${fixture.namespace}}}]\ncurrent-context: n\n`,
    );
    const doctor = await cli(['doctor', '--json'], { env: { KUBECONFIG: file, AGENTCTL_NAMESPACE: '' } });
    expect(doctor.exitCode).toBe(10);
    const permissions = doctor.json.checks.find((check: { id: string }) => check.id === 'permissions');
    expect(permissions).toMatchObject({ status: 'fail', fix: expect.stringContaining('Role') });
    expect(permissions.details.denied).toEqual(
      expect.arrayContaining(['create pods', 'create pods/exec', 'delete persistentvolumeclaims']),
    );
    const ls = await cli(['ls', '--json'], { env: { KUBECONFIG: file, AGENTCTL_NAMESPACE: '' } });
    expect(ls.exitCode).toBe(5);
    expect(ls.json.error).toMatchObject({
      code: 'KUBERNETES_FORBIDDEN',
      message: expect.stringContaining('forbidden'),
    });
    expect(JSON.stringify([doctor.json, ls.json, doctor.stderr, ls.stderr])).not.toContain(token);
  });

  it('a workspace the cluster cannot clone is refused, and nothing is left behind', async () => {
    const plain = fixture.tempDir();
    const noRemote = await execa('git', ['init', '-q', plain]).then(() =>
      cli(['start', 'noremote', '--image', image, ...small, '--json'], { cwd: plain }),
    );
    expect(noRemote.exitCode).toBe(2);
    expect(noRemote.json.error.code).toBe('WORKSPACE_NO_REMOTE');

    const git = (...args: string[]) =>
      execa('git', ['-C', repo.checkout, ...args], {
        env: {
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@example.com',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@example.com',
        },
      });
    writeFileSync(join(repo.checkout, 'local.txt'), 'not pushed\n');
    await git('add', 'local.txt');
    await git('commit', '-q', '-m', 'local only');
    const unpushed = await cli(['start', 'unpushed', '--image', image, ...small, '--json']);
    expect(unpushed.exitCode).toBe(2);
    expect(unpushed.json.error).toMatchObject({
      code: 'WORKSPACE_NOT_PUSHED',
      hint: expect.stringContaining('git push'),
    });
    await git('push', '-q', 'origin', 'main');
    await git('fetch', '-q', 'origin');

    const worktree = await cli(['start', 'wt', '--image', image, ...small, '--worktree', '--json']);
    expect(worktree.exitCode).toBe(2);
    expect(worktree.json.error.code).toBe('WORKTREE_UNSUPPORTED');
    expect(await fixture.leftovers()).toEqual([]);
  });

  it('an image the nodes cannot pull fails the start with exit 6, and the half-made agent is removed', async () => {
    const result = await cli(
      ['start', 'nopull', '--image', '127.0.0.1:5000/agentctl-test/missing:9.9.9', ...small, '--json'],
      { timeout: 180_000 },
    );
    expect(result.exitCode).toBe(6);
    expect(result.json.error).toMatchObject({
      code: 'IMAGE_PULL_FAILED',
      message: expect.stringContaining('missing:9.9.9'),
    });
    expect(await fixture.leftovers()).toEqual([]);
  });

  it('a name Kubernetes cannot use, --user on exec, a second start of a running agent, and cp, stats and code (they need the engine’s host) are refused', async () => {
    const upper = await cli(['start', 'Upper_Case', '--image', image, ...small, '--json']);
    expect(upper.exitCode).toBe(2);
    expect(upper.json.error.code).toBe('KUBERNETES_NAME_INVALID');

    expect((await cli(['start', '--detach', 'once', '--image', image, ...small])).exitCode).toBe(0);
    const twice = await cli(['start', 'once', '--image', image, ...small, '--json']);
    expect(twice.exitCode).toBe(8);
    expect(twice.json.error.code).toBe('AGENT_EXISTS');
    const user = await cli(['exec', '--json', '--user', '0', 'once', '--', 'id']);
    expect(user.exitCode).toBe(2);
    // The commands that need the engine's host (the archive API, the engine's statistics, a Dev
    // Containers attach): each a usage error that says so. diff, merge and apply work (review.test.ts).
    const out = join(fixture.tempDir(), 'copied');
    for (const args of [
      ['cp', 'once:/workspace', out],
      ['stats', '--no-stream', 'once'],
      ['code', 'once'],
    ]) {
      const refused = await cli([...args, '--json']);
      expect(refused.exitCode, `${args.join(' ')}: ${refused.stdout}${refused.stderr}`).toBe(2);
      expect(refused.json.error, args.join(' ')).toMatchObject({
        code: 'KUBERNETES_UNSUPPORTED',
        hint: expect.any(String),
      });
    }
    const inspected = await cli(['inspect', 'once', '--json']);
    expect(inspected.exitCode, inspected.stderr).toBe(0);
    expect((await cli(['rm', '--force', '--volumes', 'once'])).exitCode).toBe(0);
    expect(await fixture.leftovers()).toEqual([]);
  });
});
