import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/engines.js';
import { makeRepository } from '../helpers/git-repo.js';
import { leftoverTracker, NOTHING } from '../helpers/leftovers.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { HOSTILE_CASES, type HostileCase, type HostileContext } from './hostile-input.cases.js';

const { name: engineName, host, engines } = testEngine();
const suffix = randomBytes(3).toString('hex');
const root = mkdtempSync(join(tmpdir(), `agentctl-hostile-${suffix}-`));
/** Private HOME, TMPDIR and XDG dirs per run: whatever the CLI writes there is seen by the leftover check. */
let runs = 0;
function privateDirs() {
  const base = join(root, `run-${(runs += 1)}`);
  const dirs = {
    HOME: join(base, 'home'),
    TMPDIR: join(base, 'tmp'),
    XDG_DATA_HOME: join(base, 'xdg-data'),
    XDG_CONFIG_HOME: join(base, 'xdg-config'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  return dirs;
}

function configDir(label: string, file: string, content: string): string {
  const dir = join(root, `cfg-${label}-${suffix}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), content);
  return dir;
}

const ctx: HostileContext = {
  suffix,
  repo: join(root, `repo-${suffix}`),
  plain: join(root, `plain-${suffix}`),
  file: join(root, `file-${suffix}`),
  dir: join(root, `dir-${suffix}`),
  config: {
    json: configDir('json', '.agentctlrc.json', '{ "image": '),
    yaml: configDir('yaml', '.agentctlrc.yaml', 'resources: [1\n'),
    type: configDir('type', '.agentctlrc.yaml', 'resources:\n  cpus: "many"\n'),
    unknown: configDir('unknown', '.agentctlrc.yaml', 'colour: blue\n'),
    huge: configDir('huge', '.agentctlrc.yaml', `# ${'x'.repeat(2 * 1024 * 1024)}\n`),
    js: configDir('js', 'agentctl.config.cjs', "throw new Error('broken config');\n"),
    defaultAgent: configDir('default', '.agentctlrc.yaml', 'defaultAgent: ghost\n'),
  },
  badUserConfig: join(root, 'user-config'),
  badEnvFile: join(root, 'bad.env'),
  image: engines.testImage,
};

beforeAll(() => {
  for (const dir of [ctx.plain, ctx.dir]) mkdirSync(dir, { recursive: true });
  makeRepository(ctx.repo);
  writeFileSync(ctx.file, 'not a directory\n');
  writeFileSync(ctx.badEnvFile, 'GOOD=1\n=bad\n');
  mkdirSync(join(ctx.badUserConfig, 'agentctl'), { recursive: true });
  writeFileSync(join(ctx.badUserConfig, 'agentctl', 'config.yaml'), 'worktree: sometimes\n');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(testCase: HostileCase, json: boolean, dirs = privateDirs()) {
  const args = ['--host', host, ...(json ? ['--json'] : []), ...testCase.args(ctx)];
  const env = { ...dirs, ...testCase.env?.(ctx) };
  const cwd = testCase.cwd?.(ctx) ?? ctx.repo;
  return testCase.nodeSeparator
    ? runCli(['--', BIN, ...args], { env, cwd, cleanEnv: true, bin: process.execPath })
    : runCli(args, { env, cwd, cleanEnv: true });
}

describe(`hostile input on ${engineName}: clear error, hint, exit code, nothing left behind`, () => {
  it('has at least 40 cases', () => {
    expect(HOSTILE_CASES.length).toBeGreaterThanOrEqual(40);
  });

  // Concurrent (each case is its own CLI process): a leftover of any case still fails the suite.
  for (const testCase of HOSTILE_CASES)
    it.concurrent(testCase.title, async ({ expect }) => {
      const dirs = privateDirs();
      const tracker = leftoverTracker({
        host,
        scope: suffix,
        repos: [ctx.repo],
        dirs: [...Object.values(dirs), ctx.plain, ctx.dir],
      });
      const { result, added } = await tracker.around(() => run(testCase, true, dirs));
      expect(result.json, result.stdout + result.stderr).toMatchObject({ ok: false, error: { code: testCase.code } });
      expect(result.exitCode).toBe(testCase.exit);
      expect(result.json.error.message).toMatch(testCase.message);
      expect(result.json.error.message).not.toMatch(/\n|Unexpected error|at .*\.js:\d+/);
      expect(result.json.error.hint).toMatch(testCase.hint);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(added).toEqual(NOTHING);
    });

  // docker-modem put DOCKER_HOST's host above the --host socket, and read DOCKER_CERT_PATH (throwing).
  it('--host wins over DOCKER_HOST, DOCKER_TLS_VERIFY and a bad DOCKER_CERT_PATH in the environment', async () => {
    const env = {
      ...privateDirs(),
      DOCKER_HOST: 'tcp://127.0.0.1:1',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: join(root, 'no-certs'),
    };
    const result = await runCli(['--host', host, '--json', 'ls', '--all'], { env, cwd: ctx.repo, cleanEnv: true });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.json.ok).toBe(true);
  });

  // The human form carries the same message and hint, on stderr, with nothing on stdout.
  for (const testCase of HOSTILE_CASES.filter((_c, index) => index % 8 === 0))
    it.concurrent(`${testCase.title} (without --json)`, async ({ expect }) => {
      const result = await run(testCase, false);
      expect(result.exitCode).toBe(testCase.exit);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^error: /m);
      expect(result.stderr).toMatch(testCase.message);
      expect(result.stderr).toMatch(/^hint: \S/m);
    });
});
