import { readFileSync } from 'node:fs';

export interface TestEngines {
  docker: { host: string };
  podman: { host: string };
  registry: string;
  authRegistry: { address: string; username: string; password: string };
  testImage: string;
  rootfs: string;
  /** Debian bookworm minbase with git and ca-certificates (agentctl-test/debian:bookworm). */
  debianImage: string;
  /** The Debian image with this machine's node in /usr/local/bin (the egress gateway's image in tests). */
  nodeImage: string;
  /** The regular test user (in the docker group) the user tiers run as. */
  user?: {
    name: string;
    uid: number;
    gid: number;
    home: string;
    runtimeDir: string;
    /** A 1 MiB tmpfs the user owns (only root can mount one): a data directory that fills up. */
    smallFs?: string;
  };
  /** That user's rootless Podman API service (keep-id; cgroup v1 here, so limits are ignored). */
  rootlessPodman?: { host: string };
}

export const ENGINES_FILE = `${process.env.AGENTCTL_TEST_STATE ?? '/run/agentctl-test'}/engines.json`;

/** A JSON file a provisioning script recorded. Throws (never skips) when it is missing. */
export function readRecorded<T>(file: string, what: string, script: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(`No ${what} recorded at ${file} (${(error as Error).message}). Run ${script} as root first.`, {
      cause: error,
    });
  }
}

/** What scripts/provision-test-engines.sh recorded. Throws (never skips) when it is missing. */
export function readTestEngines(): TestEngines {
  return readRecorded<TestEngines>(ENGINES_FILE, 'test engines', 'scripts/provision-test-engines.sh');
}

export type EngineName = 'docker' | 'podman';

/** The engine this integration run was told to use (AGENTCTL_TEST_ENGINE); required. */
export function selectedEngine(): EngineName {
  const value = process.env.AGENTCTL_TEST_ENGINE;
  if (value !== 'docker' && value !== 'podman') {
    throw new Error(
      `AGENTCTL_TEST_ENGINE must be "docker" or "podman" for the integration tier (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

/**
 * Who runs agentctl in this integration run (AGENTCTL_TEST_SETUP, default `root`):
 * - `root`: root on the rootful engines (Docker, or Podman's root API service);
 * - `docker-user`: the regular test user, in the docker group, on Docker;
 * - `podman-rootless`: the regular test user on its own rootless Podman service.
 * scripts/test.sh runs the user setups as that user; being someone else fails the run (never skips).
 */
export type TestSetup = 'root' | 'docker-user' | 'podman-rootless';

export function selectedSetup(): TestSetup {
  const value = process.env.AGENTCTL_TEST_SETUP ?? 'root';
  if (value !== 'root' && value !== 'docker-user' && value !== 'podman-rootless') {
    throw new Error(
      `AGENTCTL_TEST_SETUP must be "root", "docker-user" or "podman-rootless" (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

/** Endpoint, kind and test image of the selected engine (and setup). */
export function testEngine(): { name: EngineName; host: string; engines: TestEngines; setup: TestSetup } {
  const engines = readTestEngines();
  const name = selectedEngine();
  const setup = selectedSetup();
  if (setup === 'root') return { name, host: engines[name].host, engines, setup };
  const uid = process.getuid?.();
  if (!engines.user || uid !== engines.user.uid) {
    throw new Error(
      `AGENTCTL_TEST_SETUP=${setup} runs as the test user ${engines.user ? `${engines.user.name} (uid ${engines.user.uid})` : '(none recorded)'}, not uid ${uid}: run it through scripts/test.sh, after scripts/provision-test-engines.sh`,
    );
  }
  const wanted: EngineName = setup === 'docker-user' ? 'docker' : 'podman';
  if (name !== wanted)
    throw new Error(`AGENTCTL_TEST_SETUP=${setup} needs AGENTCTL_TEST_ENGINE=${wanted} (got ${name})`);
  if (setup === 'podman-rootless') {
    if (!engines.rootlessPodman)
      throw new Error(
        'No rootless Podman service recorded in engines.json: run scripts/provision-test-engines.sh as root',
      );
    return { name, host: engines.rootlessPodman.host, engines, setup };
  }
  return { name, host: engines.docker.host, engines, setup };
}
