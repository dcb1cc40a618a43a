import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mayHaveConfigFile } from './config-files.js';
import { PROJECT_CONFIG_FILES } from './load-config.js';

describe('mayHaveConfigFile', () => {
  const roots: string[] = [];
  const tree = () => {
    const root = mkdtempSync(join(tmpdir(), 'agentctl-cfgfiles-'));
    roots.push(root);
    const deep = join(root, 'a', 'b');
    mkdirSync(deep, { recursive: true });
    return { root, deep };
  };
  afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

  it('finds a search place in an ancestor, and only in the directory itself when not upward', () => {
    const { root, deep } = tree();
    writeFileSync(join(root, '.agentctlrc.yaml'), 'runtime: docker\n');
    expect(mayHaveConfigFile(deep, PROJECT_CONFIG_FILES, true)).toBe(true);
    expect(mayHaveConfigFile(deep, PROJECT_CONFIG_FILES, false)).toBe(false);
  });

  it('counts a package.json only when it has an agentctl key or is not JSON', () => {
    const { deep } = tree();
    writeFileSync(join(deep, 'package.json'), '{"name":"agentctl"}');
    // Ancestors of the temp directory are outside the test's control: check the directory itself.
    expect(mayHaveConfigFile(deep, PROJECT_CONFIG_FILES, false)).toBe(false);
    writeFileSync(join(deep, 'package.json'), '{"name":"x","agentctl":{}}');
    expect(mayHaveConfigFile(deep, PROJECT_CONFIG_FILES, false)).toBe(true);
    writeFileSync(join(deep, 'package.json'), '{ broken');
    expect(mayHaveConfigFile(deep, PROJECT_CONFIG_FILES, false)).toBe(true);
  });
});
