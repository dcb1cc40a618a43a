import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporaryHome } from '../helpers/detection-home.js';
import { gitSync, makeRepository } from '../helpers/git-repo.js';
import { deleteFromRegistry, engineClient, pushAs, removeLocal } from '../helpers/image-registry.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { readTestEngines } from '../helpers/engines.js';
import { execa } from 'execa';
import { BIN, runCli } from '../helpers/run-cli.js';

// Defects of issue 16 in what agentctl prints (progress, hints, --json), one test each, named after
// the defect, on the engine under test.
const f = lifecycleFixture('out');
const suffix = f.agentName('x').split('-').pop()!;
const engines = { registry: '127.0.0.1:5000' };

afterAll(() => f.cleanUp());

describe('the non-TTY pull printed each phase three times', () => {
  const repository = `agentctl-it/layers-${suffix}`;
  const reference = `${engines.registry}/${repository}:1.0.0`;
  const local = `agentctl-it/layers-src-${suffix}:1.0.0`;
  const docker = engineClient(f.host);

  beforeAll(async () => {
    // Five layers of a few hundred KiB: the engine downloads some while it extracts others.
    const context = mkdtempSync(path.join(tmpdir(), 'agentctl-out-layers-'));
    const runs = [1, 2, 3, 4, 5].map((n) => `RUN dd if=/dev/urandom of=/layer${n} bs=1k count=${200 * n} 2>/dev/null`);
    writeFileSync(path.join(context, 'Dockerfile'), [`FROM ${f.image}`, 'USER 0', ...runs, 'USER 1000', ''].join('\n'));
    const stream = await docker.buildImage({ context, src: ['Dockerfile'] }, { t: local });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
        const failed = output?.find((event) => event.error !== undefined);
        if (error || failed) reject(error ?? new Error(failed!.error));
        else resolve();
      }),
    );
    rmSync(context, { recursive: true, force: true });
    await pushAs(docker, local, reference);
    // Neither name may keep the five layers locally, or the pull finds them there.
    await removeLocal(docker, reference);
    await removeLocal(docker, local);
  }, 180_000);

  afterAll(async () => {
    await removeLocal(docker, reference);
    await removeLocal(docker, local);
    await deleteFromRegistry(engines.registry, repository, '1.0.0');
  });

  it('image pull of a five-layer image says each phase once, in order', async () => {
    const result = await f.cli(['image', 'pull', reference]);
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe(`pulling ${reference} from ${engines.registry}`);
    expect(lines.at(-1)).toBe(`pulled ${reference}`);
    expect(lines).toContain('downloading layers');
    expect(lines.length, result.stderr).toBe(new Set(lines).size);
  });
});

describe('logs --since help text was stale ("a duration (10m, 2h) or RFC 3339 time")', () => {
  const name = f.agentName('since');

  beforeAll(async () => {
    const started = await f.cli([
      '--json',
      'start',
      name,
      '--workspace',
      f.workspace(),
      '--image',
      f.image,
      '--',
      'sh',
      '-c',
      'echo hello; sleep 600',
    ]);
    expect(started.exitCode, started.stdout).toBe(0);
  });

  it('logs --help names every form docker takes, and each example it gives works against a real agent', async () => {
    const help = await f.cli(['logs', '--help']);
    expect(help.exitCode).toBe(0);
    const text = help.stdout.replace(/\s+/g, ' ');
    for (const flag of ['--since', '--until']) {
      const description = new RegExp(`${flag} <time> (.*?) (--|-n,)`).exec(text)?.[1] ?? '';
      expect(description).toMatch(/Go duration/);
      expect(description).toMatch(/RFC 3339/);
      expect(description).toMatch(/Unix seconds/);
      const examples = [...description.matchAll(/\(([^)]*)\)/g)].flatMap((match) => match[1]!.split(', '));
      expect(examples.length).toBeGreaterThanOrEqual(5);
      for (const value of examples) {
        const result = await f.cli(['logs', flag, value, name]);
        expect(result.exitCode, `${flag} ${value}: ${result.stderr}`).toBe(0);
      }
    }
    expect(text).toContain('a negative one points into the future');
  });
});

describe('hints that named the wrong fix', () => {
  it('--host absent → "set DOCKER_HOST": the hint names --host, the setting that was used', async () => {
    const result = await runCli(['--host', `unix:///nonexistent/agentctl-${suffix}.sock`, '--json', 'ls'], {
      env: { DOCKER_HOST: undefined },
    });
    expect(result.exitCode).toBe(4);
    expect(result.json.error.hint).toContain('drop --host');
    expect(result.json.error.hint).not.toContain('DOCKER_HOST');
  });

  it('rootful Podman → `systemctl --user`: as root the hint names the system unit', async () => {
    // Only Docker's socket answers here (no rootful Podman socket at /run/podman on this machine).
    const sandbox = temporaryHome();
    try {
      const result = await runCli(['--runtime', 'podman', '--json', 'ls'], {
        cleanEnv: true,
        env: { HOME: sandbox.home, XDG_RUNTIME_DIR: sandbox.runtimeDir },
      });
      expect(result.exitCode).toBe(4);
      const hint: string = result.json.error.hint;
      if (process.getuid!() === 0) {
        expect(hint).toContain('`systemctl enable --now podman.socket`');
        expect(hint).not.toContain('--user');
      } else {
        expect(hint).toContain('`systemctl --user enable --now podman.socket`');
      }
    } finally {
      sandbox.remove();
    }
  });

  it('`--pull never` suggested for an absent image whose registry is down (it would fail with IMAGE_NOT_FOUND)', async () => {
    const reference = `127.0.0.1:5999/agentctl-it/down-${suffix}:1.0.0`;
    const result = await f.cli(['--json', 'image', 'resolve', '--image', reference]);
    expect(result.exitCode).toBe(6);
    expect(result.json.error.code).toBe('REGISTRY_UNREACHABLE');
    expect(result.json.error.hint).not.toMatch(/--pull (never|missing)/);
    expect(result.json.error.hint).toContain(`no local copy of ${reference}`);
    // With a local copy, `image pull` (always from the registry) says the copy can be used.
    const docker = engineClient(f.host);
    await docker.getImage(f.image).tag({ repo: reference.slice(0, reference.lastIndexOf(':')), tag: '1.0.0' });
    try {
      const pull = await f.cli(['--json', 'image', 'pull', reference]);
      expect(pull.exitCode).toBe(6);
      expect(pull.json.error.hint).toContain(`${reference} is present locally`);
    } finally {
      await removeLocal(docker, reference);
    }
  });

  describe('a data dir out of space reported as GIT_FAILED', () => {
    // A 1 MiB file system (tmpfs) as the data directory. Only root can mount one: root mounts its
    // own; the test user uses the one scripts/provision-test-engines.sh mounted for it.
    const asRoot = process.getuid!() === 0;
    const mountPoint = asRoot
      ? mkdtempSync(path.join(tmpdir(), 'agentctl-out-full-'))
      : readTestEngines().user?.smallFs;
    const repoDir = mkdtempSync(path.join(tmpdir(), 'agentctl-out-repo-'));
    let repo: string;

    beforeAll(() => {
      expect(
        mountPoint,
        'no small file system of the test user recorded: run scripts/provision-test-engines.sh',
      ).toBeTruthy();
      if (asRoot) execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint!]);
      expect(statfsSync(mountPoint!).blocks * statfsSync(mountPoint!).bsize).toBeLessThanOrEqual(1024 * 1024);
      for (const entry of readdirSync(mountPoint!))
        rmSync(path.join(mountPoint!, entry), { recursive: true, force: true });
      repo = makeRepository(repoDir);
      // 1.5 MB of file content: more than the whole data directory holds.
      writeFileSync(path.join(repo, 'big.txt'), 'x'.repeat(1_500_000));
      gitSync(repo, 'add', 'big.txt');
      gitSync(repo, 'commit', '-qm', 'big');
    });
    afterAll(() => {
      if (asRoot) {
        execFileSync('umount', [mountPoint!]);
        rmSync(mountPoint!, { recursive: true, force: true });
      }
      rmSync(repoDir, { recursive: true, force: true });
    });

    for (const [title, fill] of [
      ['the agent\'s files do not fit (git: "unable to write file")', 0],
      ['the disk is full before anything is written (was INTERNAL, ENOSPC)', 1024 * 1024],
    ] as const) {
      it(`${title}: DISK_FULL (exit 12) naming the directory, nothing left behind`, async () => {
        const dataDir = path.join(mountPoint!, 'data');
        if (fill > 0) {
          mkdirSync(dataDir, { recursive: true });
          try {
            writeFileSync(path.join(mountPoint!, 'fill'), Buffer.alloc(fill));
          } catch {
            // Filled to the last block: what the test wants.
          }
        }
        const name = f.agentName(fill > 0 ? 'full' : 'nofit');
        try {
          const result = await f.cli(
            ['--json', 'start', name, '-d', '--worktree', '--image', f.image, '--', 'sleep', '60'],
            { cwd: repo, env: { AGENTCTL_DATA_DIR: dataDir } },
          );
          expect(result.exitCode, result.stdout).toBe(12);
          expect(result.json.error.code).toBe('DISK_FULL');
          expect(result.json.error.message).toContain(mountPoint!);
          expect(result.json.error.hint).toContain('AGENTCTL_DATA_DIR');
          expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
          expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
          expect(gitSync(repo, 'branch', '--list', `agent/${name}`)).toBe('');
          const worktrees = path.join(dataDir, 'worktrees');
          const agentDirs = existsSync(worktrees)
            ? readdirSync(worktrees).flatMap((key) => readdirSync(path.join(worktrees, key)))
            : [];
          expect(agentDirs).not.toContain(name);
        } finally {
          rmSync(path.join(mountPoint!, 'fill'), { force: true });
          rmSync(dataDir, { recursive: true, force: true });
        }
      });
    }
  });
});

describe('start --json lacked the image source and digest that docs/images.md promises', () => {
  const repository = `agentctl-it/startjson-${suffix}`;
  const reference = `${engines.registry}/${repository}:1.0.0`;
  const docker = engineClient(f.host);

  beforeAll(async () => {
    await pushAs(docker, f.image, reference);
    await removeLocal(docker, reference);
  }, 60_000);
  afterAll(async () => {
    await removeLocal(docker, reference);
    await deleteFromRegistry(engines.registry, repository, '1.0.0');
  });

  it('a pulled image: imageSource "pulled" and its registry digest; the same when the agent starts again', async () => {
    const name = f.agentName('imgjson');
    const started = await f.cli([
      '--json',
      'start',
      name,
      '--workspace',
      f.workspace(),
      '--image',
      reference,
      '--',
      'sleep',
      '600',
    ]);
    expect(started.exitCode, started.stdout).toBe(0);
    const resolved = await f.cli(['--json', 'image', 'resolve', '--image', reference]);
    expect(resolved.json.image.source).toBe('local'); // present now
    expect(started.json.agent).toMatchObject({
      image: reference,
      imageSource: 'pulled',
      imageDigest: resolved.json.image.digest,
      imageId: resolved.json.image.id,
    });
    expect(started.json.agent.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);

    expect((await f.cli(['stop', name, '--timeout', '0'])).exitCode).toBe(0);
    const again = await f.cli(['--json', 'start', name]);
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.json.agent).toMatchObject({
      resumed: true,
      imageSource: 'pulled',
      imageDigest: started.json.agent.imageDigest,
      imageId: started.json.agent.imageId,
    });
  });

  it('a local image: imageSource "local" and what image resolve says of it', async () => {
    const name = f.agentName('imglocal');
    const started = await f.cli([
      '--json',
      'start',
      name,
      '--workspace',
      f.workspace(),
      '--image',
      f.image,
      '--',
      'sleep',
      '600',
    ]);
    expect(started.exitCode, started.stdout).toBe(0);
    const resolved = await f.cli(['--json', 'image', 'resolve', '--image', f.image]);
    expect(started.json.agent).toMatchObject({
      imageSource: 'local',
      imageDigest: resolved.json.image.digest,
      imageId: resolved.json.image.id,
    });
  });
});

describe('shell --json and attach --json printed no JSON document', () => {
  const name = f.agentName('json');

  beforeAll(async () => {
    const started = await f.cli([
      '--json',
      'start',
      name,
      '--workspace',
      f.workspace(),
      '--image',
      f.image,
      '--',
      'sleep',
      '600',
    ]);
    expect(started.exitCode, started.stdout).toBe(0);
  });

  it('attach --json: a usage error saying why, as one JSON document, before attaching (the agent runs on)', async () => {
    const result = await f.cli(['--json', 'attach', name], { timeout: 20_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    expect(result.json).toMatchObject({ ok: false, error: { code: 'JSON_NOT_SUPPORTED' } });
    expect(result.json.error.message).toContain('cannot be one JSON document');
    expect(result.json.error.hint).toContain(`agentctl logs --json ${name}`);
    const ls = await f.cli(['--json', 'ls']);
    expect(ls.json.agents.find((agent: { name: string }) => agent.name === name)?.state).toBe('running');
  });

  it('shell --json with a script on stdin: one document with the exit code and both streams', async () => {
    const result = await f.cli(['--json', 'shell', name], { input: 'echo out; echo err >&2; exit 3\n' });
    expect(result.exitCode, result.stderr).toBe(3);
    expect(result.json).toEqual({ ok: false, exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('shell --json on a terminal: a usage error saying why, as one JSON document', async () => {
    const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, BIN, '--host', f.host, '--json', 'shell', name].map(quote).join(' ');
    const result = await execa('script', ['-qec', command, '/dev/null'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm' },
      extendEnv: false,
      reject: false,
      timeout: 20_000,
    });
    expect(result.exitCode, result.stdout).toBe(2);
    const document = JSON.parse(result.stdout.replace(/\r\n/g, '\n'));
    expect(document).toMatchObject({ ok: false, error: { code: 'JSON_NOT_SUPPORTED' } });
    expect(document.error.hint).toContain(`agentctl shell --json ${name}`);
  });
});

describe('a multi-line secret was not masked in line-split logs', () => {
  const lines = [
    `-----BEGIN TEST KEY ${suffix}-----`,
    `c2VjcmV0LWtleS1ib2R5-${suffix}`,
    `-----END TEST KEY ${suffix}-----`,
  ];
  const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'agentctl-out-key-')), 'key.pem');
  const printer = f.agentName('pem');
  const other = f.agentName('pem2');
  const mask = ['--secret', `KEY=@${keyFile}`];

  beforeAll(async () => {
    writeFileSync(keyFile, `${lines.join('\n')}\n`, { mode: 0o600 });
    for (const [name, script] of [
      [printer, 'echo before; cat /run/secrets/KEY; echo after; sleep 600'],
      [other, 'echo other; sleep 600'],
    ] as const) {
      const started = await f.cli([
        '--json',
        'start',
        name,
        '--workspace',
        f.workspace(),
        '--image',
        f.image,
        ...mask,
        '--',
        'sh',
        '-c',
        script,
      ]);
      expect(started.exitCode, started.stdout).toBe(0);
    }
  });
  afterAll(() => rmSync(path.dirname(keyFile), { recursive: true, force: true }));

  const expectMasked = (output: string) => {
    for (const line of lines) expect(output).not.toContain(line);
    expect(output).toContain('********');
  };

  for (const [title, args] of [
    ['logs (one agent, as the engine sends it)', ['logs', printer]],
    ['logs --json', ['--json', 'logs', printer]],
    ['logs of two agents (name prefixes)', ['logs', printer, other]],
    ['logs -t', ['logs', '-t', printer]],
    ['logs -t --json of two agents', ['--json', 'logs', '-t', printer, other]],
  ] as const) {
    it(`${title}: masked over the lines it spans`, async () => {
      const result = await f.cli([...args.slice(0, -1), ...mask, ...args.slice(-1)].flat());
      expect(result.exitCode, result.stderr).toBe(0);
      expectMasked(result.stdout + result.stderr);
      expect(result.stdout).toContain('before');
      expect(result.stdout).toContain('after');
    });
  }

  it('logs -t of several agents dropped the timestamps (found here: each line now shows its time)', async () => {
    const result = await f.cli(['logs', '-t', ...mask, printer, other]);
    expect(result.exitCode, result.stderr).toBe(0);
    const shown = result.stdout.trim().split('\n');
    expect(shown.length).toBeGreaterThanOrEqual(4);
    for (const line of shown) expect(line).toMatch(/^\S+ +\| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z /);
  });

  it('exec -t (the terminal gives it \\r\\n line ends) and exec', async () => {
    for (const tty of [['-t'], []]) {
      const result = await f.cli(['exec', ...tty, ...mask, printer, '--', 'cat', '/run/secrets/KEY']);
      expect(result.exitCode, result.stderr).toBe(0);
      expectMasked(result.stdout + result.stderr);
    }
  });

  it("attach (through the agent's terminal)", async () => {
    const name = f.agentName('pemtty');
    const started = await f.cli([
      '--json',
      'start',
      name,
      '--workspace',
      f.workspace(),
      '--image',
      f.image,
      ...mask,
      '--',
      'sh',
      '-c',
      'read go; cat /run/secrets/KEY; sleep 1',
    ]);
    expect(started.exitCode, started.stdout).toBe(0);
    const result = await f.cli(['attach', ...mask, name], { input: 'go\n', timeout: 60_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    expectMasked(result.stdout + result.stderr);
  });
});
