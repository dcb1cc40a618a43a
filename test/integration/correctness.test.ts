import { execa } from 'execa';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deadSocket, linkSocket, temporaryHome } from '../helpers/detection-home.js';
import { testEngine } from '../helpers/engines.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { streamFixture } from '../helpers/stream-agents.js';

// Defects of issue 16, one test (or table row) each, named after the defect, on the engine under test.
const { name: engineName, host, engines } = testEngine();
const testImage = engines.testImage;

describe('an explicit DOCKER_HOST that does not answer silently fell back to another engine', () => {
  let sandbox: ReturnType<typeof temporaryHome>;
  beforeEach(() => {
    sandbox = temporaryHome();
  });
  afterEach(() => sandbox.remove());

  /** A clean environment in which detection, left to itself, finds the engine under test. */
  function fallbackEnv(): Record<string, string> {
    // Docker's engine is the system-wide socket; Podman's is linked where a rootless Podman's would be.
    if (engineName === 'podman') linkSocket(path.join(sandbox.runtimeDir, 'podman', 'podman.sock'), host);
    return { HOME: sandbox.home, XDG_RUNTIME_DIR: sandbox.runtimeDir };
  }

  it('finds the engine in this environment when nothing is set (the control for the rows below)', async () => {
    const result = await runCli(['ls', '--json'], { cleanEnv: true, env: fallbackEnv() });
    expect(result.exitCode).toBe(0);
    expect(result.json.ok).toBe(true);
  });

  const rows: { title: string; setting: string; undo: string; env: () => Promise<Record<string, string>> }[] = [
    { title: 'DOCKER_HOST=unix:///nowhere', setting: 'DOCKER_HOST', undo: 'unset DOCKER_HOST', env: async () => ({ DOCKER_HOST: 'unix:///nowhere' }) },
    {
      title: 'DOCKER_HOST at a socket that refuses connections',
      setting: 'DOCKER_HOST',
      undo: 'unset DOCKER_HOST',
      env: async () => ({ DOCKER_HOST: await deadSocket(path.join(sandbox.runtimeDir, 'dead.sock')) }),
    },
    { title: 'CONTAINER_HOST=unix:///nowhere', setting: 'CONTAINER_HOST', undo: 'unset CONTAINER_HOST', env: async () => ({ CONTAINER_HOST: 'unix:///nowhere' }) },
    { title: 'AGENTCTL_HOST=unix:///nowhere', setting: 'AGENTCTL_HOST', undo: 'unset AGENTCTL_HOST', env: async () => ({ AGENTCTL_HOST: 'unix:///nowhere' }) },
  ];
  for (const row of rows) {
    it(`${row.title}: ls fails with RUNTIME_NOT_FOUND (exit 4) naming it, instead of listing another engine's agents`, async () => {
      const set = await row.env();
      const result = await runCli(['ls', '--json'], { cleanEnv: true, env: { ...fallbackEnv(), ...set } });
      expect(result.exitCode).toBe(4);
      expect(result.json).toMatchObject({ ok: false, error: { code: 'RUNTIME_NOT_FOUND' } });
      const endpoint = Object.values(set)[0]!;
      expect(result.json.error.message).toContain(`${endpoint} (${row.setting})`);
      expect(result.json.error.hint).toContain(row.undo);
      expect(result.json.error.details.attempts.map((a: { endpoint: string }) => a.endpoint)).toEqual([endpoint]);
    });
  }

  it('DOCKER_HOST=unix:///nowhere agentctl ls: the human error names DOCKER_HOST and the fix', async () => {
    const result = await runCli(['ls'], { cleanEnv: true, env: { ...fallbackEnv(), DOCKER_HOST: 'unix:///nowhere' } });
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error: No container engine answers at the endpoint you set, and agentctl tries no other: unix:///nowhere (DOCKER_HOST)');
    expect(result.stderr).toContain('hint: Nothing listens at unix:///nowhere');
  });
});

describe('--json contract gaps, bare commands and colour', () => {
  const fixture = streamFixture('correct');
  let agent: string;
  beforeAll(async () => {
    agent = (await fixture.createAgent({ label: 'exec', command: ['sleep', '600'] })).name;
  });
  afterAll(() => fixture.cleanUp());

  it('a successful exec --json printed no JSON document (now one, with the exit code and both streams)', async () => {
    const ok = await fixture.cli(['exec', '--json', agent, '--', 'sh', '-c', 'echo to-out; echo to-err >&2']);
    expect(ok.exitCode).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ ok: true, exitCode: 0, stdout: 'to-out\n', stderr: 'to-err\n' });
    const failing = await fixture.cli(['exec', '--json', agent, '--', 'sh', '-c', 'echo half; exit 3']);
    expect(failing.exitCode).toBe(3);
    expect(JSON.parse(failing.stdout)).toEqual({ ok: false, exitCode: 3, stdout: 'half\n', stderr: '' });
  });

  const documents: { argv: string[]; check: (doc: any) => void }[] = [
    { argv: ['--json'], check: (doc) => expect(doc).toMatchObject({ ok: true, command: 'agentctl' }) },
    { argv: ['help', '--json'], check: (doc) => expect(doc).toMatchObject({ ok: true, command: 'agentctl' }) },
    { argv: ['help', 'logs', '--json'], check: (doc) => expect(doc).toMatchObject({ ok: true, command: 'agentctl logs' }) },
    { argv: ['image', '--json'], check: (doc) => expect(doc).toMatchObject({ ok: true, command: 'agentctl image' }) },
    { argv: ['completion', 'zsh', '--json'], check: (doc) => expect(doc).toEqual({ ok: true, shell: 'zsh', script: expect.stringContaining('agentctl') }) },
    { argv: ['--version', '--json'], check: (doc) => expect(doc).toEqual({ ok: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) }) },
  ];
  for (const { argv, check } of documents) {
    it(`agentctl ${argv.join(' ')} printed no JSON document (now exactly one)`, async () => {
      const result = await runCli(argv);
      expect(result.exitCode).toBe(0);
      expect(result.json).toBeDefined();
      check(result.json);
      expect(result.stderr).toBe('');
    });
  }

  for (const argv of [[], ['image'], ['config']]) {
    it(`bare agentctl ${argv.join(' ')} printed nothing (now its help on stdout, exit 0)`, async () => {
      const result = await runCli(argv);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain(`Usage: agentctl ${argv.length ? `${argv[0]} ` : ''}[options] [command]`);
      expect(result.stderr).toBe('');
    });
  }

  /** agentctl in a pseudo-terminal (util-linux `script`), with a clean environment without NO_COLOR. */
  async function onTerminal(args: string[], env: Record<string, string> = {}): Promise<string> {
    const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, BIN, ...args].map(quote).join(' ');
    const result = await execa('script', ['-qec', command, '/dev/null'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm', ...env },
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    });
    return result.stdout;
  }

  it('colour on a terminal is there by default (the control for the rows below)', async () => {
    expect(await onTerminal(['--host', 'unix:///nowhere', 'ls'])).toContain('\u001b[31merror:');
  });

  for (const [title, args, env] of [
    ['CI=1', ['--host', 'unix:///nowhere', 'ls'], { CI: '1' }],
    ['-q on a TTY', ['-q', '--host', 'unix:///nowhere', 'ls'], {}],
  ] as const) {
    it(`colour appeared with ${title} (now none)`, async () => {
      const output = await onTerminal([...args], env);
      expect(output).toContain('error: No container engine answers');
      expect(output).not.toContain('\u001b[');
    });
  }

  it('logs --all with more than 10 agents printed MaxListenersExceededWarning', async () => {
    const names: string[] = [];
    for (let index = 0; index < 12; index += 1) {
      names.push((await fixture.createAgent({ label: `many${index}`, command: ['sh', '-c', `echo line-${index}`], waitForExit: true })).name);
    }
    const result = await fixture.cli(['logs', '--all', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).not.toContain('MaxListenersExceededWarning');
    expect(result.stderr).toBe('');
    const mine = result.stdout.split('\n').map((line) => JSON.parse(line) as { agent: string; line: string }).filter((record) => names.includes(record.agent));
    expect(mine.map((record) => record.line).sort()).toEqual(names.map((_, index) => `line-${index}`).sort());
  });
});

describe('version ignored the configured image', () => {
  const [repository, tag] = [testImage.slice(0, testImage.lastIndexOf(':')), testImage.slice(testImage.lastIndexOf(':') + 1)];
  const configured = { AGENTCTL_IMAGE_REPOSITORY: repository, AGENTCTL_IMAGE_TAG: tag };

  it('version --json reports (and finds locally) the image set with AGENTCTL_IMAGE_*, the one `image resolve` uses', async () => {
    const version = await runCli(['--host', host, 'version', '--json'], { env: configured });
    expect(version.exitCode).toBe(0);
    expect(version.json.image).toMatchObject({
      repository,
      tag,
      reference: testImage,
      source: { repository: 'env AGENTCTL_IMAGE_REPOSITORY', tag: 'env AGENTCTL_IMAGE_TAG' },
      local: { present: true },
    });
    expect(version.json.image.pinned).not.toBe(testImage);
    const resolved = await runCli(['--host', host, 'image', 'resolve', '--pull', 'never', '--json'], { env: configured });
    expect(resolved.exitCode).toBe(0);
    expect(resolved.json.image.reference).toBe(version.json.image.reference);
  });

  it('version (human) names the configured image and the pinned one', async () => {
    const result = await runCli(['--host', host, 'version'], { env: configured });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^image +${testImage.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(present locally\\) \\(configured; this release pins \\S+\\)$`, 'm'));
  });
});
