import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Packs agentctl as it would be published and installs the tarball into a temp prefix, as
 * `npm i -g agentctl` would. Tests run the installed binary (provided as AGENTCTL_E2E_BIN).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const work = mkdtempSync(path.join(tmpdir(), 'agentctl-e2e-'));
  const packed = await execa('npm', ['pack', '--pack-destination', work, '--json'], { cwd: root });
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  const prefix = path.join(work, 'prefix');
  await execa('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', path.join(work, filename)], {
    cwd: work,
  });
  const bin = path.join(prefix, 'bin', 'agentctl');
  project.provide('agentctlBin', bin);
  project.provide('agentctlPrefix', prefix);
  project.provide('agentctlTarball', path.join(work, filename));
  return () => rmSync(work, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    agentctlBin: string;
    agentctlPrefix: string;
    agentctlTarball: string;
  }
}
