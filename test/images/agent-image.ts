import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { ENGINES_FILE } from '../helpers/engines.js';
import type { lifecycleFixture } from '../helpers/lifecycle.js';

/**
 * The real agent images of this checkout for the images tier, built once and then reused: the
 * builds go through `agentctl image build`, which reuses an image whose io.agentctl.build-inputs
 * label records the same inputs (containers/<stack>, the build arguments, the base image's id, the
 * CA file). A warm run builds nothing; any change to those inputs builds again.
 */
export const REPOSITORY = 'agentctl-test/agent';
export const TAG = 'images-test';
export const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** The slim Debian base (scripts/debian-base.sh) made from the rootfs the provisioning debootstrapped. */
export const DEBIAN_SLIM = 'agentctl-test/debian:bookworm-slim';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

type Fixture = ReturnType<typeof lifecycleFixture>;

export interface AgentImage {
  reference: string;
  reused: boolean;
  /** How long `image build` took (seconds), reused or not. */
  seconds: number;
}

async function ensureDebianSlim(fixture: Fixture): Promise<void> {
  const present = await fixture.docker
    .getImage(DEBIAN_SLIM)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (present) return;
  const rootfs = join(dirname(ENGINES_FILE), 'debian-bookworm.tar');
  await run(
    'bash',
    [
      join(ROOT, 'scripts/debian-base.sh'),
      ...(existsSync(rootfs) ? ['--rootfs', rootfs] : []),
      '--engine',
      fixture.engineName,
      '--tag',
      DEBIAN_SLIM,
    ],
    { timeout: 300_000 },
  );
}

/** Builds (or reuses) `stack` of containers/ as agentctl-test/agent[-stack]:images-test. */
export async function agentImage(fixture: Fixture, stack: 'base' | 'node' = 'base'): Promise<AgentImage> {
  const repository = stack === 'base' ? REPOSITORY : `${REPOSITORY}-${stack}`;
  const reference = `${repository}:${TAG}`;
  if (stack === 'base') await ensureDebianSlim(fixture);
  const before = await fixture.docker
    .getImage(reference)
    .inspect()
    .then(
      (info) => info.Id,
      () => undefined,
    );
  const started = Date.now();
  const built = await fixture.cli(
    [
      'image',
      'build',
      stack,
      ...(stack === 'base' ? ['--base-image', DEBIAN_SLIM, '--extra-ca', CA_BUNDLE] : []),
      '--repository',
      REPOSITORY,
      '--tag',
      TAG,
      '--json',
    ],
    { timeout: 900_000 },
  );
  expect(built.exitCode, built.stderr).toBe(0);
  const seconds = Math.round((Date.now() - started) / 1000);
  const reused = built.json.image.reused === true;
  console.log(`${reused ? 'reused' : 'built'} ${reference} (${seconds} s)`);
  // The build it replaced only takes space now (by id: Podman lists tags as localhost/…).
  if (before !== undefined && before !== built.json.image.id)
    await fixture.docker
      .getImage(before)
      .remove()
      .catch(() => undefined);
  return { reference, reused, seconds };
}
