import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const formula = readFileSync(new URL('../../Formula/agentctl.rb', import.meta.url), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('Formula/agentctl.rb', () => {
  it('installs the package version that package.json declares', () => {
    const url = formula.match(/^\s*url "([^"]+)"$/m)?.[1];
    expect(url).toBe(
      `https://github.com/agentctl/agentctl/releases/download/v${pkg.version}/agentctl-${pkg.version}.tgz`,
    );
    expect(formula).toMatch(/^\s*sha256 "[0-9a-f]{64}"$/m);
  });

  it('checks the image tag pinned in package.json (agentImage.version)', () => {
    expect(formula).toContain(`assert_equal "${pkg.agentImage.version}", report["image"]["tag"]`);
  });

  it('is a node formula: depends on node, installs with std_npm_args, links the bin, installs completions', () => {
    expect(formula).toContain('depends_on "node"');
    expect(formula).toContain('system "npm", "install", *std_npm_args');
    expect(formula).toContain('bin.install_symlink libexec.glob("bin/*")');
    expect(formula).toContain('generate_completions_from_executable(bin/"agentctl", "completion")');
    expect(formula).toMatch(/test do[\s\S]*agentctl --version[\s\S]*agentctl version --json[\s\S]*\nend\n$/);
  });
});
