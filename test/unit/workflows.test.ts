import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (name: string) => readFileSync(path.join(root, '.github/workflows', name), 'utf8');
const validate = (...files: string[]) =>
  execa('node', ['scripts/validate-workflows.mjs', ...files], { cwd: root, reject: false });

describe('GitHub workflows', () => {
  it('pass the workflow schema check', async () => {
    const result = await validate();
    expect(result.stderr).toContain('ok   ');
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it('the check rejects a workflow with a misspelt key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agentctl-wf-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const broken = path.join(dir, 'ci.yml');
    writeFileSync(broken, read('ci.yml').replace('runs-on: ${{ matrix.os }}', 'run-on: ${{ matrix.os }}'));
    const result = await validate(broken);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("'run-on' is not allowed");
  });

  it('ci.yml runs typecheck, lint and unit tests on Linux, macOS and Windows with Node 20, 22 and 24, and integration on Docker and Podman', () => {
    const ci = parse(read('ci.yml'));
    expect(ci.jobs.check.strategy.matrix).toEqual({
      os: ['ubuntu-latest', 'macos-latest', 'windows-latest'],
      node: [20, 22, 24],
    });
    const runs = ci.jobs.check.steps.map((s: { run?: string }) => s.run).filter(Boolean);
    expect(runs).toEqual(expect.arrayContaining(['npm run typecheck', 'npm run lint', 'npm run test:unit']));
    expect(ci.jobs.integration.strategy.matrix.engine).toEqual(['docker', 'podman']);
    expect(JSON.stringify(ci.jobs.integration.steps)).toContain('AGENTCTL_TEST_ENGINE=${{ matrix.engine }}');
  });

  it('release.yml publishes with provenance and tags images X.Y.Z, X.Y, X and latest from package.json agentImage.version', () => {
    const release = parse(read('release.yml'));
    expect(release.on.push.tags).toEqual(['v*']);
    expect(JSON.stringify(release.jobs['publish-npm'].steps)).toContain('--provenance');
    expect(release.jobs['publish-npm'].permissions['id-token']).toBe('write');
    expect(JSON.stringify(release.jobs.versions.steps)).toContain("require('./package.json').agentImage.version");
    for (const job of ['image-base', 'image-stacks']) {
      const steps = release.jobs[job].steps as Array<{ uses?: string; with?: Record<string, string> }>;
      const tags = steps.find((s) => s.uses?.startsWith('docker/metadata-action'))!.with!.tags!;
      for (const pattern of ['{{version}}', '{{major}}.{{minor}}', '{{major}}']) {
        expect(tags).toContain(`type=semver,pattern=${pattern},value=\${{ needs.versions.outputs.image-version }}`);
      }
      expect(tags).toContain('type=raw,value=latest');
      const build = steps.find((s) => s.uses?.startsWith('docker/build-push-action'))!.with!;
      expect(build.platforms).toBe('linux/amd64,linux/arm64');
    }
    expect(JSON.stringify(release.jobs['formula-bump'].steps)).toContain('scripts/update-formula.mjs');
  });
});
