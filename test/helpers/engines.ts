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
}

export const ENGINES_FILE = `${process.env.AGENTCTL_TEST_STATE ?? '/run/agentctl-test'}/engines.json`;

/** A JSON file a provisioning script recorded. Throws (never skips) when it is missing. */
export function readRecorded<T>(file: string, what: string, script: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(`No ${what} recorded at ${file} (${(error as Error).message}). Run ${script} as root first.`, { cause: error });
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
    throw new Error(`AGENTCTL_TEST_ENGINE must be "docker" or "podman" for the integration tier (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** Endpoint, kind and test image of the selected engine. */
export function testEngine(): { name: EngineName; host: string; engines: TestEngines } {
  const engines = readTestEngines();
  const name = selectedEngine();
  return { name, host: engines[name].host, engines };
}
