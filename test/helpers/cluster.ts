import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { readRecorded } from './engines.js';
import { runCli, type RunOptions } from './run-cli.js';

export interface TestCluster {
  kubeconfig: string;
  context: string;
  node: string;
  nodeIp: string;
  testImage: string;
  /** Debian with git: the clone of the workspace runs in the agent's image. */
  gitImage: string;
  /** Debian with node and git (the egress gateway runs node); absent in a cluster provisioned before it. */
  nodeImage?: string;
}

export const CLUSTER_FILE = `${process.env.AGENTCTL_TEST_STATE ?? '/run/agentctl-test'}/cluster.json`;

/** What scripts/provision-test-cluster.sh recorded. Throws (never skips) when it is missing. */
export function readTestCluster(): TestCluster {
  return readRecorded<TestCluster>(CLUSTER_FILE, 'test cluster', 'scripts/provision-test-cluster.sh');
}

export function kubeApi(cluster: TestCluster): CoreV1Api {
  const config = new KubeConfig();
  config.loadFromFile(cluster.kubeconfig);
  return config.makeApiClient(CoreV1Api);
}

export function appsApi(cluster: TestCluster): AppsV1Api {
  const config = new KubeConfig();
  config.loadFromFile(cluster.kubeconfig);
  return config.makeApiClient(AppsV1Api);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const MANAGED = 'io.agentctl.managed=true';

/**
 * One test file's own namespace on the test cluster, a git remote the cluster can clone from (git
 * daemon on the node's address) and agentctl run against both with the Kubernetes backend.
 */
export function clusterFixture(prefix: string) {
  const cluster = readTestCluster();
  const core = kubeApi(cluster);
  const apps = appsApi(cluster);
  const namespace = `agentctl-it-${prefix}-${randomBytes(3).toString('hex')}`;
  const dirs: string[] = [];
  let daemon: ResultPromise | undefined;
  let gitBase: string | undefined;
  let gitPort = 0;

  const fixture = {
    cluster,
    core,
    apps,
    namespace,
    env: { KUBECONFIG: cluster.kubeconfig, AGENTCTL_BACKEND: 'kubernetes', AGENTCTL_NAMESPACE: namespace } as Record<
      string,
      string
    >,
    async setUp(): Promise<void> {
      await core.createNamespace({ body: { metadata: { name: namespace, labels: { 'agentctl-test': 'true' } } } });
      // The namespace's default service account comes from the controller manager; Pods need it.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const found = await core.readNamespacedServiceAccount({ name: 'default', namespace }).then(
          () => true,
          () => false,
        );
        if (found) break;
        if (Date.now() > deadline) throw new Error(`no default service account in ${namespace}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    cli(args: string[], options: RunOptions = {}) {
      return runCli(args, { ...options, env: { ...fixture.env, ...options.env } });
    },
    tempDir(): string {
      const dir = mkdtempSync(join(tmpdir(), `agentctl-k8s-${prefix}-`));
      chmodSync(dir, 0o755);
      dirs.push(dir);
      return dir;
    },
    /**
     * A repository pushed to a remote the cluster reaches (git daemon on the node's address), and a
     * checkout of it with origin set: what a user's project looks like.
     */
    async repository(
      files: Record<string, string> = { 'README.md': '# project\n' },
    ): Promise<{ checkout: string; commit: string; remote: string }> {
      if (!daemon) {
        gitBase = fixture.tempDir();
        gitPort = await freePort();
        daemon = execa(
          'git',
          [
            'daemon',
            '--reuseaddr',
            '--export-all',
            '--enable=receive-pack',
            `--base-path=${gitBase}`,
            `--listen=${cluster.nodeIp}`,
            `--port=${gitPort}`,
            gitBase,
          ],
          { reject: false },
        );
        await waitForPort(cluster.nodeIp, gitPort);
      }
      const name = `repo-${randomBytes(3).toString('hex')}.git`;
      await execa('git', ['init', '-q', '--bare', join(gitBase!, name)]);
      const checkout = fixture.tempDir();
      const git = (...args: string[]) =>
        execa('git', ['-C', checkout, ...args], {
          env: {
            GIT_AUTHOR_NAME: 't',
            GIT_AUTHOR_EMAIL: 't@example.com',
            GIT_COMMITTER_NAME: 't',
            GIT_COMMITTER_EMAIL: 't@example.com',
          },
        });
      await git('init', '-q', '-b', 'main');
      for (const [file, content] of Object.entries(files)) writeFileSync(join(checkout, file), content);
      await git('add', '.');
      await git('commit', '-q', '-m', 'first');
      const remote = `git://${cluster.nodeIp}:${gitPort}/${name}`;
      await git('remote', 'add', 'origin', remote);
      await git('push', '-q', 'origin', 'main');
      await git('fetch', '-q', 'origin');
      const commit = (await git('rev-parse', 'HEAD')).stdout.trim();
      return { checkout, commit, remote };
    },
    /** Every object agentctl made in the namespace, as `kind/name`. */
    async leftovers(): Promise<string[]> {
      const [pods, maps, secrets, claims, controllers] = await Promise.all([
        core.listNamespacedPod({ namespace, labelSelector: MANAGED }),
        core.listNamespacedConfigMap({ namespace, labelSelector: MANAGED }),
        core.listNamespacedSecret({ namespace, labelSelector: MANAGED }),
        core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector: MANAGED }),
        apps.listNamespacedStatefulSet({ namespace, labelSelector: MANAGED }),
      ]);
      return [
        ...pods.items.map((item) => `pod/${item.metadata?.name}`),
        ...maps.items.map((item) => `configmap/${item.metadata?.name}`),
        ...secrets.items.map((item) => `secret/${item.metadata?.name}`),
        ...claims.items.filter((item) => !item.metadata?.deletionTimestamp).map((item) => `pvc/${item.metadata?.name}`),
        ...controllers.items.map((item) => `statefulset/${item.metadata?.name}`),
      ].sort();
    },
    async cleanUp(): Promise<void> {
      daemon?.kill();
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

async function waitForPort(host: string, port: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`git daemon did not listen on ${host}:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A test file's cluster fixture with its own namespace and a pushed repository, set up before its
 * tests and removed after them; `cli` runs agentctl in the repository's checkout.
 */
export function clusterSuite(prefix: string, files?: Record<string, string>) {
  const fixture = clusterFixture(prefix);
  const repo = { checkout: '', commit: '', remote: '' };
  beforeAll(async () => {
    await fixture.setUp();
    Object.assign(repo, await fixture.repository(files));
  });
  afterAll(() => fixture.cleanUp());
  const cli = (args: string[], options: RunOptions = {}) => fixture.cli(args, { cwd: repo.checkout, ...options });
  return { fixture, repo, cli, image: fixture.cluster.gitImage };
}
