import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deadSocket, linkSocket, temporaryHome } from '../helpers/detection-home.js';
import { testEngine } from '../helpers/engines.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { makeRepository } from '../helpers/git-repo.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';
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
    {
      title: 'DOCKER_HOST=unix:///nowhere',
      setting: 'DOCKER_HOST',
      undo: 'unset DOCKER_HOST',
      env: async () => ({ DOCKER_HOST: 'unix:///nowhere' }),
    },
    {
      title: 'DOCKER_HOST at a socket that refuses connections',
      setting: 'DOCKER_HOST',
      undo: 'unset DOCKER_HOST',
      env: async () => ({ DOCKER_HOST: await deadSocket(path.join(sandbox.runtimeDir, 'dead.sock')) }),
    },
    {
      title: 'CONTAINER_HOST=unix:///nowhere',
      setting: 'CONTAINER_HOST',
      undo: 'unset CONTAINER_HOST',
      env: async () => ({ CONTAINER_HOST: 'unix:///nowhere' }),
    },
    {
      title: 'AGENTCTL_HOST=unix:///nowhere',
      setting: 'AGENTCTL_HOST',
      undo: 'unset AGENTCTL_HOST',
      env: async () => ({ AGENTCTL_HOST: 'unix:///nowhere' }),
    },
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

  // Issue 16: a dead selected Docker context fell back to another engine, as DOCKER_HOST did.
  it.each([
    ['currentContext in ~/.docker/config.json', {}, 'the current Docker context', '`docker context use default`'],
    ['DOCKER_CONTEXT', { DOCKER_CONTEXT: 'dead' }, 'DOCKER_CONTEXT=dead', 'unset DOCKER_CONTEXT'],
  ] as const)(
    'a dead Docker context selected by %s: ls fails with RUNTIME_NOT_FOUND naming it, and tries no other engine',
    async (_how, set, setting, undo) => {
      const docker = path.join(sandbox.home, '.docker');
      const meta = path.join(docker, 'contexts', 'meta', createHash('sha256').update('dead').digest('hex'));
      mkdirSync(meta, { recursive: true });
      writeFileSync(
        path.join(meta, 'meta.json'),
        JSON.stringify({ Name: 'dead', Endpoints: { docker: { Host: 'unix:///nowhere' } } }),
      );
      if (!('DOCKER_CONTEXT' in set))
        writeFileSync(path.join(docker, 'config.json'), JSON.stringify({ currentContext: 'dead' }));
      const result = await runCli(['ls', '--json'], { cleanEnv: true, env: { ...fallbackEnv(), ...set } });
      expect(result.exitCode, result.stdout).toBe(4);
      expect(result.json).toMatchObject({ ok: false, error: { code: 'RUNTIME_NOT_FOUND' } });
      expect(result.json.error.message).toContain(`unix:///nowhere (${setting})`);
      expect(result.json.error.hint).toContain(undo);
      expect(result.json.error.details.attempts.map((a: { endpoint: string }) => a.endpoint)).toEqual([
        'unix:///nowhere',
      ]);
    },
  );

  it('DOCKER_HOST=unix:///nowhere agentctl ls: the human error names DOCKER_HOST and the fix', async () => {
    const result = await runCli(['ls'], { cleanEnv: true, env: { ...fallbackEnv(), DOCKER_HOST: 'unix:///nowhere' } });
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'error: No container engine answers at the endpoint you set, and agentctl tries no other: unix:///nowhere (DOCKER_HOST)',
    );
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
    {
      argv: ['help', 'logs', '--json'],
      check: (doc) => expect(doc).toMatchObject({ ok: true, command: 'agentctl logs' }),
    },
    { argv: ['image', '--json'], check: (doc) => expect(doc).toMatchObject({ ok: true, command: 'agentctl image' }) },
    {
      argv: ['completion', 'zsh', '--json'],
      check: (doc) => expect(doc).toEqual({ ok: true, shell: 'zsh', script: expect.stringContaining('agentctl') }),
    },
    {
      argv: ['--version', '--json'],
      check: (doc) => expect(doc).toEqual({ ok: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) }),
    },
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
      names.push(
        (
          await fixture.createAgent({
            label: `many${index}`,
            command: ['sh', '-c', `echo line-${index}`],
            waitForExit: true,
          })
        ).name,
      );
    }
    const result = await fixture.cli(['logs', '--all', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).not.toContain('MaxListenersExceededWarning');
    expect(result.stderr).toBe('');
    const mine = result.stdout
      .split('\n')
      .map((line) => JSON.parse(line) as { agent: string; line: string })
      .filter((record) => names.includes(record.agent));
    expect(mine.map((record) => record.line).sort()).toEqual(names.map((_, index) => `line-${index}`).sort());
  });
});

describe('Podman image ls missed the configured image given by its short name', () => {
  it('image ls lists the configured image (a short name, stored by Podman as localhost/…)', async () => {
    const [repository, tag] = testImage.split(':') as [string, string];
    const result = await runCli(['--host', host, 'image', 'ls', '--json'], {
      env: { AGENTCTL_IMAGE_REPOSITORY: repository, AGENTCTL_IMAGE_TAG: tag },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const references = (result.json.images as { reference: string }[]).map((image) => image.reference);
    expect(
      references.some((reference) => reference.replace(/^localhost\//, '') === testImage),
      references.join(' '),
    ).toBe(true);
  });
});

describe('version ignored the configured image', () => {
  const [repository, tag] = [
    testImage.slice(0, testImage.lastIndexOf(':')),
    testImage.slice(testImage.lastIndexOf(':') + 1),
  ];
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
    const resolved = await runCli(['--host', host, 'image', 'resolve', '--pull', 'never', '--json'], {
      env: configured,
    });
    expect(resolved.exitCode).toBe(0);
    expect(resolved.json.image.reference).toBe(version.json.image.reference);
  });

  it('version (human) names the configured image and the pinned one', async () => {
    const result = await runCli(['--host', host, 'version'], { env: configured });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^image +${testImage.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(present locally\\) \\(configured; this release pins \\S+\\)$`,
        'm',
      ),
    );
  });
});

describe('inputs only the engine caught (exit 5 with engine text, INTERNAL, or a hang) are usage errors with a hint', () => {
  const fixture = lifecycleFixture('input16');
  let dir: string;
  const files: Record<string, string> = {};
  beforeAll(() => {
    dir = fixture.workspace();
    writeFileSync((files.nul = path.join(dir, 'nul.env')), 'A=1\nB=x\0y\n');
    writeFileSync((files.empty = path.join(dir, 'empty.secret')), '');
    execFileSync('mkfifo', [(files.fifo = path.join(dir, 'fifo'))]);
  });
  afterAll(() => fixture.cleanUp());

  const secret = 'sk-ant-api03-correctness-7d41e0';
  // nodeSeparator: run as `node -- agentctl.js` (as the installed launcher's shebang does): Node reads
  // a --env-file argument anywhere on its command line itself, before agentctl runs.
  const rows: {
    title: string;
    label: string;
    args: () => string[];
    env?: Record<string, string>;
    nodeSeparator?: boolean;
    exit: number;
    code: string;
    hint: RegExp;
  }[] = [
    {
      title: '--memory 999999999t (overflowed the engine int64)',
      label: 'mem',
      args: () => ['--memory', '999999999t'],
      exit: 2,
      code: 'INVALID_MEMORY',
      hint: /6m to 8192t/,
    },
    {
      title: '--pids-limit 100000000000000000000',
      label: 'pids',
      args: () => ['--pids-limit', '100000000000000000000'],
      exit: 2,
      code: 'INVALID_PIDS_LIMIT',
      hint: /1 to 4194304/,
    },
    {
      title: 'AGENTCTL_PIDS_LIMIT=4194305 (the engine failed to write pids.max)',
      label: 'pidsenv',
      args: () => [],
      env: { AGENTCTL_PIDS_LIMIT: '4194305' },
      exit: 2,
      code: 'INVALID_PIDS_LIMIT',
      hint: /1 to 4194304/,
    },
    {
      title: '--pids-limit 4194305 (above the kernel limit)',
      label: 'pidsmax',
      args: () => ['--pids-limit', '4194305'],
      exit: 2,
      code: 'INVALID_PIDS_LIMIT',
      hint: /1 to 4194304/,
    },
    {
      title: '--cpus 0.001',
      label: 'cpus',
      args: () => ['--cpus', '0.001'],
      exit: 2,
      code: 'INVALID_CPUS',
      hint: /from 0\.01/,
    },
    {
      title: 'a bad digest (--image x@sha256:xyz gave INTERNAL)',
      label: 'digest',
      args: () => ['--image', 'x@sha256:xyz'],
      exit: 2,
      code: 'IMAGE_ARGUMENT_INVALID',
      hint: /sha256:<64 hex digits>/,
    },
    {
      title: 'a NUL byte in an env file',
      label: 'nul',
      nodeSeparator: true,
      args: () => ['--env-file', files.nul!],
      exit: 2,
      code: 'INVALID_ENV',
      hint: /NUL byte/,
    },
    {
      title: '--env-file /dev/zero (hung)',
      label: 'envzero',
      nodeSeparator: true,
      args: () => ['--env-file', '/dev/zero'],
      exit: 2,
      code: 'ENV_FILE_UNREADABLE',
      hint: /regular file/,
    },
    {
      title: '--env-file FIFO (hung)',
      label: 'envfifo',
      nodeSeparator: true,
      args: () => ['--env-file', files.fifo!],
      exit: 2,
      code: 'ENV_FILE_UNREADABLE',
      hint: /regular file/,
    },
    {
      title: '--secret K=@/dev/zero (hung)',
      label: 'seczero',
      args: () => ['--secret', 'K=@/dev/zero'],
      exit: 2,
      code: 'SECRET_FILE_UNREADABLE',
      hint: /regular file/,
    },
    {
      title: '--secret K=@FIFO (hung)',
      label: 'secfifo',
      args: () => ['--secret', `K=@${files.fifo!}`],
      exit: 2,
      code: 'SECRET_FILE_UNREADABLE',
      hint: /regular file/,
    },
    {
      title: 'an empty secret file (accepted, while an empty variable was refused)',
      label: 'secempty',
      args: () => ['--secret', `K=@${files.empty!}`],
      exit: 2,
      code: 'SECRET_MISSING',
      hint: /Put the value in/,
    },
    {
      title: 'a bad --memory equal to a secret (it was echoed)',
      label: 'echo',
      args: () => ['--secret', 'API_KEY', '--memory', secret],
      env: { API_KEY: secret },
      exit: 2,
      code: 'INVALID_MEMORY',
      hint: /512m, 4g/,
    },
  ];
  for (const row of rows) {
    it(`start with ${row.title}: exit ${row.exit} ${row.code}, one line and a hint, nothing created`, async () => {
      const name = fixture.agentName(row.label);
      const args = ['start', '-d', '--json', '--image', testImage, ...row.args(), name, '--', 'sleep', '60'];
      const options = { cwd: dir, env: row.env, timeout: 30_000 };
      const result = row.nodeSeparator
        ? await runCli(['--', BIN, '--host', host, ...args], { ...options, bin: process.execPath })
        : await fixture.cli(args, options);
      expect(result.exitCode).toBe(row.exit);
      expect(result.json).toMatchObject({ ok: false, error: { code: row.code } });
      expect(result.json.error.message).not.toContain('\n');
      expect(result.json.error.hint).toMatch(row.hint);
      expect(result.stdout + result.stderr).not.toContain(secret);
      expect(await fixture.containerExists(`agentctl-${name}`)).toBe(false);
    });
  }

  it(`--cpus above the engine's CPU count gave exit 5 with Docker's text (now a usage error naming the count, on both engines, before anything is made)`, async () => {
    const cpus = ((await fixture.docker.info()) as { NCPU: number }).NCPU;
    const name = fixture.agentName('cpus');
    const result = await fixture.cli(
      ['start', '-d', '--json', '--image', testImage, '--cpus', String(cpus + 1), name, '--', 'sleep', '60'],
      { cwd: dir },
    );
    // The code first: a failure then shows what came instead.
    expect(result.json?.error?.code ?? result.stdout + result.stderr).toBe('INVALID_CPUS');
    expect(result.exitCode).toBe(2);
    expect(result.json.error.message).toBe(`Invalid CPU limit: ${cpus + 1} CPUs, but the engine has only ${cpus}`);
    expect(result.json.error.hint).toContain(`--cpus ${cpus} or less`);
    expect(await fixture.containerExists(`agentctl-${name}`)).toBe(false);
  });

  it('a name with a newline gave a two-line error (now one line with the name escaped)', async () => {
    const result = await fixture.cli(['start', '-d', '--image', testImage, 'bad\nname'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.split('\n')).toEqual([
      'error: Invalid agent name "bad\\nname"',
      expect.stringMatching(/^hint: /),
    ]);
  });

  it('a short image id was read as a docker.io name to pull (now the local image with that id)', async () => {
    const id = (await fixture.docker.getImage(testImage).inspect()).Id.replace(/^sha256:/, '').slice(0, 12);
    const name = fixture.agentName('shortid');
    const result = await fixture.cli(['start', '-d', '--json', '--image', id, name, '--', 'sleep', '60'], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.json).toMatchObject({ ok: true, agent: { name, image: id } });
    expect((await fixture.cli(['rm', '-f', name])).exitCode).toBe(0);
    const unknown = await fixture.cli(
      ['start', '-d', '--json', '--image', 'deadbeef0123', fixture.agentName('noid'), '--', 'sleep', '60'],
      { cwd: dir },
    );
    expect(unknown.exitCode).toBe(6);
    expect(unknown.json).toMatchObject({
      ok: false,
      error: { code: 'IMAGE_NOT_FOUND', message: 'No local image has the id deadbeef0123' },
    });
    expect(unknown.json.error.details.tried).toEqual(['deadbeef0123 (local image id)']);
  });

  it('a relative AGENTCTL_DATA_DIR put data inside the checkout (now refused, exit 3, and nothing written there)', async () => {
    const repo = makeRepository(path.join(dir, 'repo'));
    const result = await fixture.cli(
      ['start', '-d', '--json', '--worktree', '--image', testImage, fixture.agentName('reldata'), '--', 'sleep', '60'],
      {
        cwd: repo,
        env: { AGENTCTL_DATA_DIR: 'agentctl-data' },
      },
    );
    expect(result.exitCode).toBe(3);
    expect(result.json).toMatchObject({
      ok: false,
      error: { code: 'DIRECTORY_RELATIVE', hint: expect.stringContaining('absolute path') },
    });
    expect(existsSync(path.join(repo, 'agentctl-data'))).toBe(false);
  });
});

describe('logs --since rejected what docker logs --since takes, and took 2026-02-30 as 2 March', () => {
  const fixture = streamFixture('since16');
  let agent: string;
  beforeAll(async () => {
    agent = (
      await fixture.createAgent({ label: 'lines', command: ['sh', '-c', 'echo one; echo two'], waitForExit: true })
    ).name;
    // `--since 10us` counts back from now in whole seconds: let the lines be over a second old.
    await new Promise((resolve) => setTimeout(resolve, 2100));
  });
  afterAll(() => fixture.cleanUp());

  // Each value as the docker client (20.10) answered `docker logs --since VALUE` on this machine.
  const accepted: [string, string[]][] = [
    ['2026-01-02T13', ['one', 'two']],
    ['2026-01-02T13:04Z', ['one', 'two']],
    ['2026-01-02+01:00', ['one', 'two']],
    ['10us', []],
    ['-5m', []],
    ['1h30m', ['one', 'two']],
    ['1.5h', ['one', 'two']],
    ['1700000000.5', ['one', 'two']],
    ['0', ['one', 'two']],
  ];
  for (const [value, lines] of accepted) {
    it(`--since ${value} is taken (as docker takes it)`, async () => {
      const result = await fixture.cli(['logs', '--since', value, agent]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout === '' ? [] : result.stdout.split('\n')).toEqual(lines);
    });
  }

  for (const value of ['2026-02-30', '2026-02-29', '2026-01-02T24', '1d', '2026-01-02 13:00', '-5']) {
    it(`--since ${value} is a usage error (as docker refuses it)`, async () => {
      const result = await fixture.cli(['logs', '--json', '--since', value, agent]);
      expect(result.exitCode).toBe(2);
      expect(result.json).toMatchObject({ ok: false, error: { code: 'INVALID_LOG_TIME' } });
    });
  }

  it('wait --timeout 1h30m was refused while logs --since 1h30m worked (one duration grammar now)', async () => {
    const result = await fixture.cli(['wait', '--json', '--timeout', '1h30m', agent]);
    expect(result.exitCode).toBe(0);
    expect(result.json).toMatchObject({ ok: true, exitCode: 0 });
  });
});
