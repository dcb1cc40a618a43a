import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { loadConfig } from './load-config.js';

function tempDirs() {
  const root = mkdtempSync(path.join(tmpdir(), 'agentctl-config-'));
  const home = path.join(root, 'home');
  const project = path.join(root, 'project');
  mkdirSync(path.join(home, '.config', 'agentctl'), { recursive: true });
  mkdirSync(project, { recursive: true });
  // A package.json stops the upward search inside the temp project.
  writeFileSync(path.join(project, 'package.json'), '{"name":"sample"}');
  return { root, home, project, env: {} as NodeJS.ProcessEnv };
}

describe('loadConfig', () => {
  it('uses defaults when no config exists and says so per key', async () => {
    const t = tempDirs();
    const loaded = await loadConfig({ cwd: t.project, env: t.env, homedir: t.home });
    expect(loaded.config.resources).toEqual({ cpus: 2, memory: '4g', pidsLimit: 512 });
    expect(loaded.sources.get('resources.memory')).toBe('default');
    expect(loaded.files).toEqual({});
  });

  it('merges project over user, env over project, flags over env, recording each source', async () => {
    const t = tempDirs();
    const userFile = path.join(t.home, '.config', 'agentctl', 'config.yaml');
    writeFileSync(userFile, 'runtime: docker\nresources:\n  memory: 8g\n  cpus: 4\nnetwork: user-net\n');
    const projectFile = path.join(t.project, '.agentctlrc.json');
    writeFileSync(projectFile, JSON.stringify({ resources: { memory: '2g' }, network: 'project-net', worktree: 'always' }));
    const loaded = await loadConfig(
      { cwd: t.project, env: { AGENTCTL_NETWORK: 'env-net', AGENTCTL_CPUS: '3' }, homedir: t.home },
      [{ flag: '--runtime', path: ['runtime'], value: 'podman' }],
    );
    expect(loaded.config.runtime).toBe('podman');
    expect(loaded.sources.get('runtime')).toBe('flag --runtime');
    expect(loaded.config.resources?.memory).toBe('2g');
    expect(loaded.sources.get('resources.memory')).toBe(projectFile);
    expect(loaded.config.resources?.cpus).toBe(3);
    expect(loaded.sources.get('resources.cpus')).toBe('env AGENTCTL_CPUS');
    expect(loaded.config.network).toBe('env-net');
    expect(loaded.config.worktree).toBe('always');
    expect(loaded.files).toEqual({ user: userFile, project: projectFile });
  });

  it('honours XDG_CONFIG_HOME for the user config', async () => {
    const t = tempDirs();
    const xdg = path.join(t.root, 'xdg');
    mkdirSync(path.join(xdg, 'agentctl'), { recursive: true });
    writeFileSync(path.join(xdg, 'agentctl', 'config.json'), '{"network":"xdg-net"}');
    const loaded = await loadConfig({ cwd: t.project, env: { XDG_CONFIG_HOME: xdg }, homedir: t.home });
    expect(loaded.config.network).toBe('xdg-net');
  });

  it('reads the agentctl key of package.json', async () => {
    const t = tempDirs();
    writeFileSync(path.join(t.project, 'package.json'), JSON.stringify({ name: 'x', agentctl: { defaultAgent: 'claude' } }));
    const loaded = await loadConfig({ cwd: t.project, env: {}, homedir: t.home });
    expect(loaded.config.defaultAgent).toBe('claude');
    expect(loaded.files.project).toBe(path.join(t.project, 'package.json'));
  });

  it.each([
    ['.agentctlrc', 'network: rc-net\n'],
    ['.agentctlrc.yaml', 'network: rc-net\n'],
    ['.agentctlrc.yml', 'network: rc-net\n'],
    ['agentctl.config.mjs', 'export default { network: "rc-net" };\n'],
    ['agentctl.config.cjs', 'module.exports = { network: "rc-net" };\n'],
  ])('reads %s', async (file, content) => {
    const t = tempDirs();
    writeFileSync(path.join(t.project, file), content);
    const loaded = await loadConfig({ cwd: t.project, env: {}, homedir: t.home });
    expect(loaded.config.network).toBe('rc-net');
  });

  it('rejects an unknown key, naming the file, the key and what is allowed', async () => {
    const t = tempDirs();
    const file = path.join(t.project, '.agentctlrc.yaml');
    writeFileSync(file, 'image:\n  pul: always\n');
    const error = await loadConfig({ cwd: t.project, env: {}, homedir: t.home }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(file);
    expect((error as ConfigError).message).toContain('unknown key "image.pul"');
    expect((error as ConfigError).message).toContain('repository, tag, useLocal, devTag, pull');
    expect((error as ConfigError).hint).toContain('docs/configuration.md');
  });

  it('rejects a wrong type, naming the key and the expected type', async () => {
    const t = tempDirs();
    const file = path.join(t.home, '.config', 'agentctl', 'config.json');
    writeFileSync(file, '{"resources": {"cpus": "lots"}}');
    const error = (await loadConfig({ cwd: t.project, env: {}, homedir: t.home }).catch((e: unknown) => e)) as ConfigError;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(file);
    expect(error.message).toContain('wrong type "resources.cpus", expected number');
  });

  it('rejects an invalid enum value from an environment variable, naming the variable', async () => {
    const t = tempDirs();
    const error = (await loadConfig({ cwd: t.project, env: { AGENTCTL_PULL: 'sometimes' }, homedir: t.home }).catch((e: unknown) => e)) as ConfigError;
    expect(error.message).toContain('environment variable AGENTCTL_PULL');
    expect(error.message).toContain('"missing", "always", "never"');
  });

  it('reports unparsable YAML and JSON with the file name', async () => {
    const t = tempDirs();
    const yamlFile = path.join(t.project, '.agentctlrc.yaml');
    writeFileSync(yamlFile, 'image: [unclosed\n');
    const yamlError = (await loadConfig({ cwd: t.project, env: {}, homedir: t.home }).catch((e: unknown) => e)) as ConfigError;
    expect(yamlError.code).toBe('CONFIG_PARSE');
    expect(yamlError.message).toContain(`Cannot parse YAML config file ${yamlFile}`);

    const t2 = tempDirs();
    const jsonFile = path.join(t2.project, '.agentctlrc.json');
    writeFileSync(jsonFile, '{"network": ');
    const jsonError = (await loadConfig({ cwd: t2.project, env: {}, homedir: t2.home }).catch((e: unknown) => e)) as ConfigError;
    expect(jsonError.code).toBe('CONFIG_PARSE');
    expect(jsonError.message).toContain(`Cannot parse JSON config file ${jsonFile}`);
  });

  it('refuses a config file over 1 MiB', async () => {
    const t = tempDirs();
    writeFileSync(path.join(t.project, '.agentctlrc.json'), `{"network":"${'x'.repeat(1024 * 1024)}"}`);
    const error = (await loadConfig({ cwd: t.project, env: {}, homedir: t.home }).catch((e: unknown) => e)) as ConfigError;
    expect(error.code).toBe('CONFIG_TOO_LARGE');
  });

  it('validates agent profiles strictly', async () => {
    const t = tempDirs();
    writeFileSync(path.join(t.project, '.agentctlrc.yaml'), 'agents:\n  claude:\n    image: x:1\n    imagee: y\n');
    const error = (await loadConfig({ cwd: t.project, env: {}, homedir: t.home }).catch((e: unknown) => e)) as ConfigError;
    expect(error.message).toContain('unknown key "agents.claude.imagee"');
  });
});
