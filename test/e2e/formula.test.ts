import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it, onTestFinished } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tarball = inject('agentctlTarball');
const bin = inject('agentctlBin');
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('the Homebrew formula for the packed tarball', () => {
  it('update-formula.mjs renders url, sha256 and pinned tag of the tarball, and Ruby accepts the result', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agentctl-formula-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const formula = path.join(dir, 'agentctl.rb');
    copyFileSync(path.join(root, 'Formula/agentctl.rb'), formula);
    await execa('node', ['scripts/update-formula.mjs', tarball, '--formula', formula], { cwd: root });
    const text = readFileSync(formula, 'utf8');
    const sha256 = createHash('sha256').update(readFileSync(tarball)).digest('hex');
    expect(text).toContain(`  sha256 "${sha256}"\n`);
    expect(text).toContain(
      `  url "https://github.com/agentctl/agentctl/releases/download/v${pkg.version}/agentctl-${pkg.version}.tgz"\n`,
    );
    expect(text).toContain(`assert_equal "${pkg.agentImage.version}", report["image"]["tag"]`);
    expect((await execa('ruby', ['-c', formula])).stdout).toContain('Syntax OK');
  });

  it('the committed formula is valid Ruby', async () => {
    expect((await execa('ruby', ['-c', path.join(root, 'Formula/agentctl.rb')])).stdout).toContain('Syntax OK');
  });

  it('the commands of its test block and its completion step succeed on the installed package', async () => {
    expect((await execa(bin, ['--version'])).stdout.trim()).toBe(pkg.version);
    // As in the Homebrew sandbox: no engine reachable, still exit 0 with the pinned image.
    const report = JSON.parse(
      (await execa(bin, ['version', '--json'], { env: { AGENTCTL_HOST: 'unix:///nonexistent.sock' } })).stdout,
    );
    expect(report.image.tag).toBe(pkg.agentImage.version);
    for (const shell of ['bash', 'zsh', 'fish']) {
      const script = (await execa(bin, ['completion', shell])).stdout;
      expect(script).toContain('__complete');
    }
    await execa('bash', ['-n', '-c', (await execa(bin, ['completion', 'bash'])).stdout]);
  });
});
