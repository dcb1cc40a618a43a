import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { main } from './cli.js';
import { memoryStreams } from '../test/helpers/memory-streams.js';
import { EXIT_CODES } from './shared/exit-codes.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const streams = memoryStreams();
  const code = await main(argv, { streams, env: { HOME: '/nonexistent', ...env }, cwd: '/', handleSignals: false });
  return { code, ...streams.output() };
}

describe('cli', () => {
  it('prints the version from package.json', async () => {
    const result = await run(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it('lists every command with a description in --help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/version\s+Show the CLI version/);
    expect(result.stdout).toMatch(/config\s+Inspect agentctl configuration/);
    expect(result.stdout).toContain('Examples:');
  });

  it('answers an unknown command with a usage error in one JSON document', async () => {
    const result = await run(['frobnicate', '--json']);
    expect(result.code).toBe(EXIT_CODES.usage.code);
    const doc = JSON.parse(result.stdout);
    expect(doc).toEqual({
      ok: false,
      error: {
        code: 'USAGE_UNKNOWN_COMMAND',
        message: "Unknown command 'frobnicate'",
        hint: expect.stringContaining('--help'),
      },
    });
  });

  it('answers the docker habit `start -v SRC:DST` with what agentctl mounts, not "Invalid agent name"; -v is not --verbose', async () => {
    for (const argv of [
      ['start', '-v', '/home/u/data:/data', '--json'],
      ['start', '--volume', 'x:/x', '--json'],
      ['ls', '-v', '--json'],
    ]) {
      const result = await run(argv);
      expect(result.code).toBe(EXIT_CODES.usage.code);
      expect(JSON.parse(result.stdout).error).toMatchObject({
        code: 'USAGE_VOLUME_FLAG',
        hint: expect.stringContaining('--verbose'),
      });
    }
  });

  it('prints message and hint on stderr without --json', async () => {
    const result = await run(['version', '--runtime', 'lxc']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: .*lxc.*\nhint: /);
  });

  it('reports a bad config as one JSON document with the config exit code', async () => {
    const result = await run(['config', 'show', '--json'], { AGENTCTL_PIDS_LIMIT: 'many' });
    expect(result.code).toBe(EXIT_CODES.config.code);
    const doc = JSON.parse(result.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.error.code).toBe('CONFIG_INVALID');
    expect(doc.error.message).toContain('AGENTCTL_PIDS_LIMIT');
  });

  it('config show --json gives the documented shape', async () => {
    const result = await run(['config', 'show', '--json'], { AGENTCTL_MEMORY: '6g' });
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.files).toEqual({ user: null, project: null });
    expect(doc.config.resources.memory).toBe('6g');
    expect(doc.values).toContainEqual({ key: 'resources.memory', value: '6g', source: 'env AGENTCTL_MEMORY' });
    expect(doc.values).toContainEqual({ key: 'resources.cpus', value: 2, source: 'default' });
  });

  it('prints help on stdout and exits 0 for bare `agentctl`, `agentctl image` and `agentctl config` (it printed nothing)', async () => {
    for (const [argv, usage] of [
      [[], 'Usage: agentctl [options] [command]'],
      [['image'], 'Usage: agentctl image [options] [command]'],
      [['config'], 'Usage: agentctl config [options] [command]'],
    ] as const) {
      const result = await run([...argv]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(usage);
      expect(result.stderr).toBe('');
    }
  });

  it('prints exactly one JSON document for bare `agentctl --json`, `help --json`, `--help --json` and `image --json`', async () => {
    for (const [argv, command] of [
      [['--json'], 'agentctl'],
      [['help', '--json'], 'agentctl'],
      [['--help', '--json'], 'agentctl'],
      [['help', 'image', '--json'], 'agentctl image'],
      [['image', '--json'], 'agentctl image'],
      [['logs', '--help', '--json'], 'agentctl logs'],
    ] as const) {
      const result = await run([...argv]);
      expect(result.code).toBe(0);
      const doc = JSON.parse(result.stdout);
      expect(doc).toMatchObject({
        ok: true,
        command,
        usage: expect.stringContaining(command),
        help: expect.stringContaining('Usage:'),
      });
      expect(doc.options).toContainEqual(
        expect.objectContaining({ flags: expect.any(String), description: expect.any(String) }),
      );
      if (command === 'agentctl')
        expect(doc.commands.map((c: { name: string }) => c.name)).toEqual(
          expect.arrayContaining(['start', 'ls', 'logs', 'image']),
        );
      if (command === 'agentctl logs')
        expect(doc.options.map((o: { flags: string }) => o.flags)).toContain('--since <time>');
    }
  });

  it('prints the version as one JSON document with --version --json', async () => {
    const result = await run(['--version', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, version: pkg.version });
  });

  it('answers `help NOSUCH` with a usage error (it printed nothing and exited 0)', async () => {
    const human = await run(['help', 'frobnicate']);
    expect(human.code).toBe(EXIT_CODES.usage.code);
    expect(human.stderr).toMatch(/^error: Unknown help topic 'frobnicate'.*\nhint: /);
    const json = await run(['--host', 'unix:///x', 'help', 'frobnicate', '--json']);
    expect(json.code).toBe(EXIT_CODES.usage.code);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE_UNKNOWN_COMMAND' } });
  });

  it('prints the completion script in one JSON document with --json', async () => {
    const result = await run(['completion', 'bash', '--json']);
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc).toEqual({ ok: true, shell: 'bash', script: expect.stringContaining('complete -') });
  });
});
