import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runCli } from '../helpers/run-cli.js';
import { testEngine } from '../helpers/engines.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const { name, host } = testEngine();

describe(`agentctl version against ${name}`, () => {
  it('reports the engine kind and version from the engine itself', async () => {
    const result = await runCli(['version', '--json', '--host', host]);
    expect(result.exitCode).toBe(0);
    expect(result.json.ok).toBe(true);
    expect(result.json.cli.version).toBe(pkg.version);
    expect(result.json.image.reference).toBe(`${pkg.agentImage.repository}:${pkg.agentImage.version}`);
    expect(result.json.engine).toMatchObject({ reachable: true, kind: name, endpoint: host, source: 'explicit' });
    expect(result.json.engine.version).toMatch(/^\d+\.\d+/);
    expect(result.json.engine.apiVersion).toMatch(/^\d+\.\d+$/);
  });

  it('finds the engine through DOCKER_HOST and tells its kind by its answer', async () => {
    const result = await runCli(['version', '--json'], { env: { DOCKER_HOST: host, AGENTCTL_HOST: undefined } });
    expect(result.exitCode).toBe(0);
    expect(result.json.engine).toMatchObject({ reachable: true, kind: name, source: 'env' });
  });

  it('prints the human form with the engine line', async () => {
    const result = await runCli(['version', '--host', host]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`agentctl  ${pkg.version}`);
    expect(result.stdout).toMatch(new RegExp(`engine +${name} \\d`));
  });

  it('still prints the CLI and image when the engine is unreachable (exit 0)', async () => {
    const result = await runCli(['version', '--json', '--host', 'unix:///nonexistent/agentctl.sock']);
    expect(result.exitCode).toBe(0);
    expect(result.json.engine.reachable).toBe(false);
    expect(result.json.engine.error.code).toBe('RUNTIME_NOT_FOUND');
    expect(result.json.image.tag).toBe(pkg.agentImage.version);
  });
});
