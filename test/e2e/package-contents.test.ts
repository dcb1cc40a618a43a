import { execa } from 'execa';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const prefix = inject('agentctlPrefix');
const bin = inject('agentctlBin');
const installed = path.join(prefix, 'lib', 'node_modules', 'agentctl');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

function sizeOf(dir: string): { bytes: number; files: number } {
  return readdirSync(dir).reduce(
    (total, entry) => {
      const full = path.join(dir, entry);
      const inner = statSync(full).isDirectory() ? sizeOf(full) : { bytes: statSync(full).size, files: 1 };
      return { bytes: total.bytes + inner.bytes, files: total.files + inner.files };
    },
    { bytes: 0, files: 0 },
  );
}

describe('what npm publishes', () => {
  it('packs only the binary, the bundle, the image build contexts and the package documents (no sources, tests or source maps)', async () => {
    const { stdout } = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root });
    const [{ files }] = JSON.parse(stdout) as [{ files: Array<{ path: string }> }];
    const unexpected = files
      .map((f) => f.path)
      .filter(
        (p) =>
          !/^(package\.json|README\.md|LICENSE|bin\/agentctl\.js|dist\/[\w.-]+\.(js|cjs|mjs|json|txt)|containers\/[\w-]+\/(Dockerfile|extra-ca\/README\.md|bin\/agentctl-[\w-]+|dpkg-slim\.cfg|claude-code\/managed-settings\.json))$/.test(
            p,
          ),
      );
    expect(unexpected).toEqual([]);
    // containers/ ships so that `agentctl image build` works from an installed package (the base
    // image's helper scripts in containers/base/bin/, its dpkg filter and Claude Code's managed
    // settings included); the egress gateway's proxy program ships in dist/.
    expect(files.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        'bin/agentctl.js',
        'dist/cli.js',
        'dist/egress-proxy.cjs',
        'containers/base/Dockerfile',
        'containers/base/dpkg-slim.cfg',
        'containers/base/claude-code/managed-settings.json',
        'LICENSE',
        'README.md',
      ]),
    );
  });

  it('declares no runtime dependencies: everything is bundled into dist/', () => {
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.optionalDependencies).toBeUndefined();
    expect(pkg.peerDependencies).toBeUndefined();
    expect(pkg.engines.node).toBe('>=20');
    // Installs with install scripts disabled (npm 11's default): there are none to run.
    const installedPkg = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(
      Object.keys(installedPkg.scripts ?? {}).filter((name) => /^(pre|post)?install$|^prepare$/.test(name)),
    ).toEqual([]);
  });

  it('runs commands that load its lazy chunks from outside any source tree', async () => {
    const cwd = tmpdir();
    const env = { AGENTCTL_HOST: 'unix:///nonexistent.sock', NODE_PATH: '' };
    const config = await execa(bin, ['config', 'show', '--json'], { cwd, env, reject: false });
    expect(config.exitCode, config.stderr).toBe(0);
    const version = await execa(bin, ['version', '--json'], { cwd, env });
    expect(JSON.parse(version.stdout).image.tag).toBe(pkg.agentImage.version);
    const completion = await execa(bin, ['__complete', '--', 'vers'], { cwd, env });
    expect(completion.stdout.split('\t')[0]).toBe('version');
  });

  it('stays within the installed size documented in docs/installation.md', () => {
    const { bytes } = sizeOf(installed);
    const doc = readFileSync(path.join(root, 'docs/installation.md'), 'utf8');
    const budget = Number(doc.match(/installed size budget: (\d+) MB/)?.[1]);
    expect(budget).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(budget * 1024 * 1024);
  });
});
