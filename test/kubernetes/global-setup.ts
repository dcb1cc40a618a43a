import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { VersionApi, KubeConfig } from '@kubernetes/client-node';
import { readTestCluster } from '../helpers/cluster.js';

/**
 * The Kubernetes tier runs against the cluster of scripts/provision-test-cluster.sh. When it is
 * not recorded or does not answer, the run fails here, loudly: it never skips.
 */
export default async function setup(): Promise<void> {
  const cluster = readTestCluster();
  const config = new KubeConfig();
  config.loadFromFile(cluster.kubeconfig);
  try {
    await config.makeApiClient(VersionApi).getCode();
  } catch (error) {
    throw new Error(
      `The test cluster (${cluster.kubeconfig}) is not reachable (${(error as Error).message}). Run scripts/provision-test-cluster.sh.`,
      { cause: error },
    );
  }
  if (!existsSync(new URL('../../dist/cli.js', import.meta.url))) {
    await execa('npm', ['run', 'build'], { stdio: 'inherit' });
  }
}
