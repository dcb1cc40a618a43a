import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { readTestEngines } from '../helpers/engines.js';
import { runCli } from '../helpers/run-cli.js';

const bin = inject('agentctlBin');
const prefix = inject('agentctlPrefix');
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const installed = path.join(prefix, 'lib', 'node_modules', 'agentctl');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? walk(full) : [path.relative(installed, full)];
  });
}

describe('the installed npm package', () => {
  it('puts an agentctl binary on the prefix PATH that prints its version', async () => {
    expect(existsSync(bin)).toBe(true);
    const result = await runCli(['--version'], { bin });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it('contains only what runs: no sources, tests or dependencies', () => {
    const files = walk(installed);
    expect(files).toContain('bin/agentctl.js');
    expect(files).toContain('dist/cli.js');
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.test.ts'))).toEqual([]);
    expect(existsSync(path.join(installed, 'node_modules'))).toBe(false);
  });

  it('reports version --json with the pinned image and the engine it finds', async () => {
    const engines = readTestEngines();
    for (const [kind, host] of [
      ['docker', engines.docker.host],
      ['podman', engines.podman.host],
    ] as const) {
      const result = await runCli(['version', '--json'], { bin, env: { DOCKER_HOST: host } });
      expect(result.exitCode).toBe(0);
      expect(result.json).toMatchObject({
        ok: true,
        cli: { version: pkg.version },
        image: { repository: pkg.agentImage.repository, tag: pkg.agentImage.version },
        engine: { reachable: true, kind },
      });
    }
  });

  it('fails with one JSON document and the usage exit code on a bad flag', async () => {
    const result = await runCli(['version', '--json', '--bogus'], { bin });
    expect(result.exitCode).toBe(2);
    expect(result.json).toMatchObject({ ok: false, error: { code: 'USAGE_UNKNOWN_OPTION' } });
  });

  it('leaves --env-file to agentctl: Node itself does not read it from the installed binary', async () => {
    // Node 20 reads --env-file anywhere on its command line (nodejs/node#54232); the launcher's
    // shebang ends Node's options with `--` so the flag reaches agentctl.
    const result = await runCli(['start', 'envfile-probe', '--env-file', '/nonexistent/agentctl.env', '--json'], {
      bin,
    });
    expect(result.stderr).not.toContain('node:');
    expect(result.json).toMatchObject({ ok: false });
    expect(result.exitCode).not.toBe(9);
  });
});
