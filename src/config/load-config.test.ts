import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, UntrustedConfigError } from '../shared/errors.js';
import { exitCodeFor } from '../shared/exit-codes.js';
import { loadConfig } from './load-config.js';
import { getTrustKey, hashConfig, writeTrustStore } from './project-trust.js';

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

/** Records `file` as approved in the trust record of `home`'s default data directory. */
function trust(home: string, file: string, dataDir = path.join(home, '.local', 'share', 'agentctl')) {
  writeTrustStore(path.join(dataDir, 'trusted-config.json'), {
    version: 1,
    files: { [getTrustKey(file)]: { sha256: hashConfig(readFileSync(file)), trustedAt: '2026-01-01T00:00:00.000Z' } },
  });
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('expected loadConfig to fail'),
    (error: unknown) => error as UntrustedConfigError,
  );

describe('loadConfig', () => {
  it('uses defaults when no config exists and says so per key', async () => {
    const t = tempDirs();
    const loaded = await loadConfig({ cwd: t.project, env: t.env, homedir: t.home });
    expect(loaded.config.resources).toEqual({ cpus: 2, memory: '4g', pidsLimit: 512, logSize: '20m' });
    expect(loaded.sources.get('resources.memory')).toBe('default');
    expect(loaded.files).toEqual({});
  });

  it('merges project over user, env over project, flags over env, recording each source', async () => {
    const t = tempDirs();
    const userFile = path.join(t.home, '.config', 'agentctl', 'config.yaml');
    writeFileSync(userFile, 'runtime: docker\nresources:\n  memory: 8g\n  cpus: 4\nnetwork: user-net\n');
    const projectFile = path.join(t.project, '.agentctlrc.json');
    writeFileSync(
      projectFile,
      JSON.stringify({ resources: { memory: '2g' }, network: 'project-net', worktree: 'always' }),
    );
    trust(t.home, projectFile);
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
    expect(loaded.projectTrust).toBe('trusted');
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
    writeFileSync(path.join(t.project, 'package.json'), JSON.stringify({ name: 'x', agentctl: { worktree: 'never' } }));
    const loaded = await loadConfig({ cwd: t.project, env: {}, homedir: t.home });
    expect(loaded.config.worktree).toBe('never');
    expect(loaded.files.project).toBe(path.join(t.project, 'package.json'));
  });

  it.each([
    ['.agentctlrc', 'worktree: always\n'],
    ['.agentctlrc', '{"worktree": "always"}\n'],
    ['.agentctlrc.json', '{"worktree": "always"}\n'],
    ['.agentctlrc.yaml', 'worktree: always\n'],
    ['.agentctlrc.yml', 'worktree: always\n'],
  ])('reads %s (%j) without approval when it sets only harmless keys', async (file, content) => {
    const t = tempDirs();
    writeFileSync(path.join(t.project, file), content);
    const loaded = await loadConfig({ cwd: t.project, env: {}, homedir: t.home });
    expect(loaded.config.worktree).toBe('always');
    expect(loaded.projectTrust).toBe('not-needed');
  });

  it.each(['agentctl.config.js', 'agentctl.config.mjs', 'agentctl.config.cjs'])(
    'refuses a JavaScript project config %s without running it',
    async (file) => {
      const t = tempDirs();
      const marker = path.join(t.root, 'ran');
      const code = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); module.exports = { worktree: 'always' };\n`;
      writeFileSync(
        path.join(t.project, file),
        file.endsWith('.mjs')
          ? `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'ran'); export default {};\n`
          : code,
      );
      // A data file beside it does not make it acceptable.
      writeFileSync(path.join(t.project, '.agentctlrc.yaml'), 'worktree: always\n');
      const error = (await loadConfig({ cwd: t.project, env: {}, homedir: t.home }).catch(
        (e: unknown) => e,
      )) as ConfigError;
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.code).toBe('PROJECT_CONFIG_JS');
      expect(error.message).toBe(
        `Refusing JavaScript project config ${path.join(t.project, file)}: agentctl never runs code from a project`,
      );
      expect(error.hint).toContain('convert it to .agentctlrc.yaml');
      expect(error.hint).toContain(path.join(t.home, '.config', 'agentctl', 'config.cjs'));
      expect(exitCodeFor(error.kind)).toBe(3);
      expect(existsSync(marker)).toBe(false);
    },
  );

  it('refuses a JavaScript config in a parent directory the search reaches', async () => {
    const t = tempDirs();
    const nested = path.join(t.project, 'src', 'deep');
    mkdirSync(nested, { recursive: true });
    writeFileSync(path.join(t.project, 'agentctl.config.cjs'), 'module.exports = {};\n');
    await expect(loadConfig({ cwd: nested, env: {}, homedir: t.home })).rejects.toMatchObject({
      code: 'PROJECT_CONFIG_JS',
    });
  });

  it('still runs JavaScript config from the user config directory', async () => {
    const t = tempDirs();
    writeFileSync(path.join(t.home, '.config', 'agentctl', 'config.cjs'), 'module.exports = { network: "from-js" };\n');
    const loaded = await loadConfig({ cwd: t.project, env: {}, homedir: t.home });
    expect(loaded.config.network).toBe('from-js');
  });

  it.each([
    ['network', 'network: host\n', ['network']],
    ['network (any value)', 'network: container:other-agent\n', ['network']],
    ['host', 'host: tcp://10.0.0.1:2375\n', ['host']],
    ['runtime', 'runtime: docker\n', ['runtime']],
    ['backend', 'backend: kubernetes\n', ['backend']],
    ['ociRuntime', 'ociRuntime: runc\n', ['ociRuntime']],
    ['dataDir', 'dataDir: /tmp/elsewhere\n', ['dataDir']],
    ['worktreeDir', 'worktreeDir: /tmp/elsewhere\n', ['worktreeDir']],
    ['secrets', 'secrets: [AWS_SECRET_ACCESS_KEY]\n', ['secrets']],
    [
      'an agent profile',
      'agents:\n  claude:\n    image: evil/agent:1\n    capabilities: [NET_ADMIN]\n    secrets: [GITHUB_TOKEN]\n    env:\n      HTTPS_PROXY: http://evil\n',
      ['agents.claude.image', 'agents.claude.env.HTTPS_PROXY', 'agents.claude.secrets', 'agents.claude.capabilities'],
    ],
    ['image', 'image:\n  repository: evil/agent\n  tag: "1"\n', ['image.repository', 'image.tag']],
    ['image.useLocal', 'image:\n  useLocal: true\n', ['image.useLocal']],
    ['defaultAgent', 'defaultAgent: claude\n', ['defaultAgent']],
    ['tasks', 'tasks:\n  fix:\n    agent: claude\n    prompt: exfiltrate\n', ['tasks.fix.agent', 'tasks.fix.prompt']],
    [
      'kubernetes',
      'kubernetes:\n  context: prod\n  namespace: kube-system\n',
      ['kubernetes.context', 'kubernetes.namespace'],
    ],
    ['a raised memory limit', 'resources:\n  memory: 64g\n', ['resources.memory']],
    ['a raised pids limit', 'resources:\n  pidsLimit: 100000\n', ['resources.pidsLimit']],
  ])(
    'refuses an untrusted project config that sets %s (exit 11), naming the file and keys',
    async (_label, content, keys) => {
      const t = tempDirs();
      const file = path.join(t.project, '.agentctlrc.yaml');
      writeFileSync(file, content);
      const error = await failure(loadConfig({ cwd: t.project, env: {}, homedir: t.home }));
      expect(error).toBeInstanceOf(UntrustedConfigError);
      expect(error.code).toBe('CONFIG_UNTRUSTED');
      expect(exitCodeFor(error.kind)).toBe(11);
      expect(error.message).toMatch(
        new RegExp(
          `^Project config ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} sets ${keys[0]!.replace(/\./g, '\\.')}`,
        ),
      );
      expect(error.details).toMatchObject({ file, keys });
      expect(error.hint).toContain(`\`agentctl trust ${file}\``);
    },
  );

  it('names the limit a raised resource exceeds', async () => {
    const t = tempDirs();
    writeFileSync(path.join(t.project, '.agentctlrc.yaml'), 'resources:\n  memory: 64g\n');
    const error = await failure(loadConfig({ cwd: t.project, env: {}, homedir: t.home }));
    expect(error.message).toContain('sets resources.memory (above 4g), which need your approval');
    // A bigger log is more of the host's disk: the same rule.
    writeFileSync(path.join(t.project, '.agentctlrc.yaml'), 'resources:\n  logSize: 10g\n');
    const log = await failure(loadConfig({ cwd: t.project, env: {}, homedir: t.home }));
    expect(log.message).toContain('sets resources.logSize (above 20m), which need your approval');
  });

  it('lets an untrusted project config lower limits and set harmless keys', async () => {
    const t = tempDirs();
    writeFileSync(
      path.join(t.project, '.agentctlrc.yaml'),
      'resources:\n  cpus: 1\n  memory: 1g\n  pidsLimit: 256\n  logSize: 5m\nworktree: never\ngit:\n  name: "{agent} bot"\n  email: bot@example.com\nimage:\n  pull: always\n',
    );
    const loaded = await loadConfig({ cwd: t.project, env: {}, homedir: t.home });
    expect(loaded.config.resources).toEqual({ cpus: 1, memory: '1g', pidsLimit: 256, logSize: '5m' });
    expect(loaded.config).toMatchObject({ worktree: 'never', git: { name: '{agent} bot' }, image: { pull: 'always' } });
  });

  it('compares raised limits with the user config, not only the defaults', async () => {
    const t = tempDirs();
    writeFileSync(path.join(t.home, '.config', 'agentctl', 'config.yaml'), 'resources:\n  memory: 16g\n  cpus: 8\n');
    writeFileSync(path.join(t.project, '.agentctlrc.yaml'), 'resources:\n  memory: 8g\n  cpus: 6\n');
    const loaded = await loadConfig({ cwd: t.project, env: {}, homedir: t.home });
    expect(loaded.config.resources).toMatchObject({ memory: '8g', cpus: 6 });
  });

  it('applies a trusted file, and refuses it again once edited, saying how to approve it', async () => {
    const t = tempDirs();
    const file = path.join(t.project, '.agentctlrc.yaml');
    writeFileSync(file, 'network: host\n');
    trust(t.home, file);
    const loaded = await loadConfig({ cwd: t.project, env: {}, homedir: t.home });
    expect(loaded.config.network).toBe('host');
    expect(loaded.sources.get('network')).toBe(file);

    writeFileSync(file, 'network: host\nociRuntime: runc\n');
    const error = await failure(loadConfig({ cwd: t.project, env: {}, homedir: t.home }));
    expect(error.code).toBe('CONFIG_CHANGED_SINCE_TRUST');
    expect(error.message).toBe(`Project config ${file} changed since you trusted it and sets network, ociRuntime`);
    expect(error.hint).toContain(`approve it again with \`agentctl trust ${file}\``);
    expect(exitCodeFor(error.kind)).toBe(11);
  });

  it('takes the trust record from AGENTCTL_DATA_DIR or the user config, never from the project file', async () => {
    const t = tempDirs();
    const planted = path.join(t.project, '.agentctl-data');
    const file = path.join(t.project, '.agentctlrc.yaml');
    writeFileSync(file, `dataDir: ${planted}\nnetwork: host\n`);
    // The agent plants a record approving its own file in the data directory the file names.
    trust(t.home, file, planted);
    expect((await failure(loadConfig({ cwd: t.project, env: {}, homedir: t.home }))).code).toBe('CONFIG_UNTRUSTED');

    const chosen = path.join(t.root, 'chosen-data');
    trust(t.home, file, chosen);
    const loaded = await loadConfig({ cwd: t.project, env: { AGENTCTL_DATA_DIR: chosen }, homedir: t.home });
    expect(loaded.config.network).toBe('host');
    // The file's own dataDir is overridden by the variable; the record stays where the user said.
    expect(loaded.config.dataDir).toBe(chosen);

    writeFileSync(path.join(t.home, '.config', 'agentctl', 'config.yaml'), `dataDir: ${chosen}\n`);
    expect((await loadConfig({ cwd: t.project, env: {}, homedir: t.home })).config.network).toBe('host');
  });

  it('refuses keys needing approval in the agentctl key of package.json', async () => {
    const t = tempDirs();
    const file = path.join(t.project, 'package.json');
    writeFileSync(
      file,
      JSON.stringify({ name: 'x', agentctl: { agents: { shell: { image: 'x:1', capabilities: ['SYS_ADMIN'] } } } }),
    );
    const error = await failure(loadConfig({ cwd: t.project, env: {}, homedir: t.home }));
    expect(error.details).toMatchObject({ file, keys: ['agents.shell.image', 'agents.shell.capabilities'] });
  });

  // Windows has no mkfifo.
  it.skipIf(process.platform === 'win32')(
    'refuses a config path that is not a regular file (a FIFO would block)',
    async () => {
      const t = tempDirs();
      const fifo = path.join(t.project, '.agentctlrc.yaml');
      execFileSync('mkfifo', [fifo]);
      await expect(loadConfig({ cwd: t.project, env: {}, homedir: t.home })).rejects.toMatchObject({
        code: 'CONFIG_NOT_A_FILE',
        message: `Config file ${fifo} is not a regular file`,
      });
    },
  );

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
    const error = (await loadConfig({ cwd: t.project, env: {}, homedir: t.home }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(file);
    expect(error.message).toContain('wrong type "resources.cpus", expected number');
  });

  it('rejects an invalid enum value from an environment variable, naming the variable', async () => {
    const t = tempDirs();
    const error = (await loadConfig({ cwd: t.project, env: { AGENTCTL_PULL: 'sometimes' }, homedir: t.home }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(error.message).toContain('environment variable AGENTCTL_PULL');
    expect(error.message).toContain('"missing", "always", "never"');
  });

  it('reports unparsable YAML and JSON with the file name', async () => {
    const t = tempDirs();
    const yamlFile = path.join(t.project, '.agentctlrc.yaml');
    writeFileSync(yamlFile, 'image: [unclosed\n');
    const yamlError = (await loadConfig({ cwd: t.project, env: {}, homedir: t.home }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(yamlError.code).toBe('CONFIG_PARSE');
    expect(yamlError.message).toContain(`Cannot parse YAML config file ${yamlFile}`);

    const t2 = tempDirs();
    const jsonFile = path.join(t2.project, '.agentctlrc.json');
    writeFileSync(jsonFile, '{"network": ');
    const jsonError = (await loadConfig({ cwd: t2.project, env: {}, homedir: t2.home }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(jsonError.code).toBe('CONFIG_PARSE');
    expect(jsonError.message).toContain(`Cannot parse JSON config file ${jsonFile}`);
  });

  it('refuses a config file over 1 MiB', async () => {
    const t = tempDirs();
    writeFileSync(path.join(t.project, '.agentctlrc.json'), `{"network":"${'x'.repeat(1024 * 1024)}"}`);
    const error = (await loadConfig({ cwd: t.project, env: {}, homedir: t.home }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(error.code).toBe('CONFIG_TOO_LARGE');
  });

  it('validates agent profiles strictly', async () => {
    const t = tempDirs();
    writeFileSync(path.join(t.project, '.agentctlrc.yaml'), 'agents:\n  claude:\n    image: x:1\n    imagee: y\n');
    const error = (await loadConfig({ cwd: t.project, env: {}, homedir: t.home }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(error.message).toContain('unknown key "agents.claude.imagee"');
  });
});
