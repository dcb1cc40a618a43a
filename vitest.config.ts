import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
  agentImage: { repository: string; version: string; digests?: Record<string, string> };
};

const define = {
  __AGENTCTL_VERSION__: JSON.stringify(pkg.version),
  __AGENTCTL_IMAGE_REPOSITORY__: JSON.stringify(pkg.agentImage.repository),
  __AGENTCTL_IMAGE_VERSION__: JSON.stringify(pkg.agentImage.version),
  __AGENTCTL_IMAGE_DIGESTS__: JSON.stringify(pkg.agentImage.digests ?? {}),
  __AGENTCTL_BUILD_ID__: JSON.stringify('test'),
};

export default defineConfig({
  test: {
    projects: [
      { define, test: { name: 'unit', include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'] } },
      {
        define,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          // Tests share one engine: files run one after another so prune and ls see only their own.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        define,
        test: {
          name: 'kubernetes',
          include: ['test/kubernetes/**/*.test.ts'],
          globalSetup: ['test/kubernetes/global-setup.ts'],
          // Each file has its own namespace and its agents ask for little CPU and memory, so files
          // run side by side: the tier mostly waits on the cluster (Pods scheduled, stopped, put
          // back, a --ttl running out), and four at a time cut its time by more than half.
          fileParallelism: true,
          maxWorkers: 4,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        define,
        test: {
          // The real agent image (built from containers/, cached by a hash of its inputs) with the
          // real agent CLI. Not in scripts/test.sh: a cold build takes minutes. Needs AGENTCTL_TEST_ENGINE.
          name: 'images',
          include: ['test/images/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 900_000,
        },
      },
      {
        define,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
