import Docker from 'dockerode';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

/**
 * Issue 14, items 3–6: what an agent is given. Refused workspaces (each one row), the override and
 * its warning, the OCI runtime asked for, and the loosenings that are always told. Where the agent
 * is the attacker (a link it plants in its workspace), it acts inside its container.
 */
const f = lifecycleFixture('cws');
const base = mkdtempSync(join(tmpdir(), 'agentctl-cws-'));
/** A directory that holds only the private HOME (without credentials). */
const root = join(base, 'holder');
const home = join(root, 'home');
const credentialedHome = join(base, 'home-with-keys');
const data = join(base, 'xdg-data');
const env = { HOME: home, XDG_DATA_HOME: data, XDG_CONFIG_HOME: join(base, 'xdg-config') };

beforeAll(() => {
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'marker'), 'the private home\n');
  mkdirSync(join(credentialedHome, '.ssh'), { recursive: true });
  writeFileSync(join(credentialedHome, '.ssh', 'id_ed25519'), 'PRIVATE KEY\n');
  mkdirSync(join(data, 'agentctl', 'logs'), { recursive: true });
  symlinkSync('/', join(base, 'link-to-root'));
});

afterAll(async () => {
  await f.cleanUp();
  rmSync(base, { recursive: true, force: true });
});

interface Refusal {
  title: string;
  workspace: () => string;
  env?: Record<string, string>;
  extra?: string[];
  command?: 'start' | 'run';
  code: string;
  message: RegExp;
  hint: RegExp;
}

const OVERRIDE_HINT = /--allow-unsafe-workspace if you truly mean/;
const REFUSED: Refusal[] = [
  {
    title: 'the filesystem root',
    workspace: () => '/',
    code: 'WORKSPACE_UNSAFE',
    message: /^The workspace \/ is the filesystem root/,
    hint: /Pass a project directory/,
  },
  {
    title: '/etc',
    workspace: () => '/etc',
    code: 'WORKSPACE_UNSAFE',
    message: /^The workspace \/etc is a system directory/,
    hint: OVERRIDE_HINT,
  },
  {
    title: '/etc with run',
    workspace: () => '/etc',
    command: 'run',
    code: 'WORKSPACE_UNSAFE',
    message: /^The workspace \/etc is a system directory/,
    hint: OVERRIDE_HINT,
  },
  {
    title: '$HOME',
    workspace: () => home,
    code: 'WORKSPACE_UNSAFE',
    message: /is your home directory: agentctl does not mount it$/,
    hint: OVERRIDE_HINT,
  },
  {
    title: 'a directory holding $HOME',
    workspace: () => root,
    code: 'WORKSPACE_UNSAFE',
    message: /holds .*\/home \(your home directory\)/,
    hint: OVERRIDE_HINT,
  },
  {
    title: 'a symlink to /',
    workspace: () => join(base, 'link-to-root'),
    code: 'WORKSPACE_UNSAFE',
    message: /link-to-root \(resolved: \/\) is the filesystem root/,
    hint: /Pass a project directory/,
  },
  {
    title: "agentctl's data directory",
    workspace: () => join(data, 'agentctl'),
    extra: ['--allow-unsafe-workspace'],
    code: 'WORKSPACE_PROTECTED',
    message: /is .*xdg-data\/agentctl \(agentctl's data directory\), which is never mounted/,
    hint: /does not lift this/,
  },
  {
    title: 'inside the data directory (its logs)',
    workspace: () => join(data, 'agentctl', 'logs'),
    code: 'WORKSPACE_PROTECTED',
    message: /lies inside .*agentctl's data directory/,
    hint: /does not lift this/,
  },
  {
    title: 'a home holding ~/.ssh, even with the override',
    workspace: () => credentialedHome,
    env: { HOME: credentialedHome },
    extra: ['--allow-unsafe-workspace'],
    code: 'WORKSPACE_PROTECTED',
    message: /holds .*home-with-keys\/\.ssh \(SSH keys\), which is never mounted/,
    hint: /does not lift this/,
  },
  {
    title: "an empty --workspace ''",
    workspace: () => '',
    code: 'WORKSPACE_EMPTY',
    message: /^The workspace given with --workspace is empty$/,
    hint: /leave the flag out/,
  },
];

describe(`workspaces are checked after resolving symlinks on ${f.engineName}`, () => {
  it.each(REFUSED)('refuses $title (exit 2, $code) and leaves nothing behind', async (row) => {
    const name = f.agentName(`r${REFUSED.indexOf(row)}`);
    const args =
      row.command === 'run'
        ? [
            '--json',
            'run',
            name,
            '--workspace',
            row.workspace(),
            '--image',
            f.image,
            ...(row.extra ?? []),
            '--',
            'true',
          ]
        : [
            '--json',
            'start',
            name,
            '-d',
            '--workspace',
            row.workspace(),
            '--image',
            f.image,
            ...(row.extra ?? []),
            '--',
            'sleep',
            '600',
          ];
    const result = await f.cli(args, { env: { ...env, ...row.env } });
    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    expect(result.json.error.code).toBe(row.code);
    expect(result.json.error.message).toMatch(row.message);
    expect(result.json.error.hint).toMatch(row.hint);
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
    expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
  });

  it('prints the refusal as one line and a hint without --json', async () => {
    const result = await f.cli(['start', f.agentName('plain'), '-d', '--workspace', '/etc', '--image', f.image], {
      env,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n').slice(0, 2)).toEqual([
      'error: The workspace /etc is a system directory: agentctl does not mount it',
      'hint: Pass a project directory with --workspace DIR (or add --allow-unsafe-workspace if you truly mean to give the agent all of it)',
    ]);
  });

  it('--allow-unsafe-workspace mounts $HOME with a warning on stderr and lists it in --json', async () => {
    const name = f.agentName('override');
    const result = await f.cli(
      [
        '--json',
        'start',
        name,
        '--workspace',
        home,
        '--image',
        f.image,
        '--allow-unsafe-workspace',
        '--',
        'sleep',
        '600',
      ],
      { env },
    );
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `^warning: agent ${name} gets a workspace that is normally refused \\(--allow-unsafe-workspace\\): .*/home is your home directory$`,
        'm',
      ),
    );
    expect(result.json.agent.loosened).toEqual([{ kind: 'unsafe-workspace', value: `${home} is your home directory` }]);
    expect((await f.exec(`agentctl-${name}`, ['cat', '/workspace/marker'])).output).toContain('the private home');
  });

  it('the warning is printed with --quiet too', async () => {
    const name = f.agentName('quiet');
    const result = await f.cli(
      [
        '--quiet',
        'start',
        name,
        '-d',
        '--read-only',
        '--workspace',
        root,
        '--image',
        f.image,
        '--allow-unsafe-workspace',
        '--',
        'sleep',
        '600',
      ],
      { env },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^warning: agent .* gets a workspace that is normally refused/m);
  });

  it('a link the agent plants in its workspace does not make the next start mount what it points to', async () => {
    const ws = f.workspace();
    chmodSync(ws, 0o777);
    const agent = f.agentName('planter');
    expect(
      (await f.cli(['start', agent, '-d', '--workspace', ws, '--image', f.image, '--', 'sleep', '600'], { env }))
        .exitCode,
    ).toBe(0);
    // The agent, inside its container, plants links to the host's / and to the user's home.
    const planted = await f.exec(`agentctl-${agent}`, [
      'sh',
      '-c',
      `ln -s / /workspace/escape && ln -s ${home} /workspace/home-link && echo planted`,
    ]);
    expect(planted.output).toContain('planted');
    for (const [link, message] of [
      ['escape', /escape \(resolved: \/\) is the filesystem root/],
      ['home-link', /home-link \(resolved: .*\/home\) is your home directory/],
    ] as const) {
      const next = await f.cli(
        [
          '--json',
          'start',
          f.agentName(`next-${link}`),
          '-d',
          '--workspace',
          join(ws, link),
          '--image',
          f.image,
          '--',
          'sleep',
          '600',
        ],
        { env },
      );
      expect(next.exitCode, next.stdout).toBe(2);
      expect(next.json.error).toMatchObject({ code: 'WORKSPACE_UNSAFE', message: expect.stringMatching(message) });
    }
  });
});

interface RuntimeRow {
  runtime: string;
  /** Per engine: the exit code and error code, or 0 when the start succeeds. */
  expect: Record<string, { exit: number; code?: string; message?: RegExp; hint?: RegExp }>;
}

const RUNTIMES: RuntimeRow[] = [
  { runtime: 'runc', expect: { docker: { exit: 0 }, podman: { exit: 0 } } },
  {
    runtime: 'bogus',
    expect: {
      docker: {
        exit: 2,
        code: 'OCI_RUNTIME_UNKNOWN',
        message: /^The Docker engine has no OCI runtime "bogus" \(it knows: .*runc.*\)$/,
        hint: /daemon\.json/,
      },
      podman: {
        exit: 2,
        code: 'OCI_RUNTIME_UNKNOWN',
        message: /^The Podman engine has no OCI runtime "bogus" \(it knows: .*runc.*\)$/,
        hint: /containers\.conf/,
      },
    },
  },
  {
    // Docker here has no runsc; Podman lists it (containers.conf defaults) but its Docker API ignores it.
    runtime: 'runsc',
    expect: {
      docker: { exit: 2, code: 'OCI_RUNTIME_UNKNOWN', message: /no OCI runtime "runsc"/, hint: /daemon\.json/ },
      podman: {
        exit: 5,
        code: 'OCI_RUNTIME_NOT_APPLIED',
        message: /^The Podman engine would run the agent on runc, not on the OCI runtime "runsc" asked for$/,
        hint: /runtime = "runsc" under \[engine\] in containers\.conf/,
      },
    },
  },
];

/** The runtime the engine records for a container (Podman's compat inspect says only "oci"). */
async function recordedRuntime(docker: Docker, engine: string, container: string): Promise<string | undefined> {
  if (engine === 'docker')
    return ((await docker.getContainer(container).inspect()).HostConfig as { Runtime?: string }).Runtime;
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      { path: `/v4.0.0/libpod/containers/${container}/json`, method: 'GET', options: {}, statusCodes: { 200: true } },
      (error, data) => (error ? reject(error) : resolve((data as { OCIRuntime?: string }).OCIRuntime)),
    );
  });
}

describe(`the OCI runtime asked for is the one the agent runs with on ${f.engineName}`, () => {
  it.each(RUNTIMES)('--oci-runtime $runtime', async (row) => {
    const expected = row.expect[f.engineName]!;
    const name = f.agentName(`rt-${row.runtime}`);
    const result = await f.cli(
      [
        '--json',
        'start',
        name,
        '-d',
        '--workspace',
        f.workspace(),
        '--image',
        f.image,
        '--oci-runtime',
        row.runtime,
        '--',
        'sleep',
        '600',
      ],
      { env },
    );
    expect(result.exitCode, result.stdout + result.stderr).toBe(expected.exit);
    if (expected.exit === 0) {
      expect(await recordedRuntime(f.docker, f.engineName, `agentctl-${name}`)).toBe(row.runtime);
      expect((await f.exec(`agentctl-${name}`, ['true'])).exitCode).toBe(0);
      return;
    }
    expect(result.json.error).toMatchObject({
      code: expected.code,
      message: expect.stringMatching(expected.message!),
      hint: expect.stringMatching(expected.hint!),
    });
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
    expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
  });
});

describe(`loosenings are always printed on ${f.engineName}`, () => {
  it('--network host: a warning on stderr and agent.loosened in --json; the agent sees the host network', async () => {
    const name = f.agentName('hostnet');
    const result = await f.cli(
      [
        '--json',
        'start',
        name,
        '--workspace',
        f.workspace(),
        '--image',
        f.image,
        '--network',
        'host',
        '--',
        'sleep',
        '600',
      ],
      { env },
    );
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `^warning: agent ${name} shares the host's network \\(--network host\\): it reaches every service listening on the host, loopback included$`,
        'm',
      ),
    );
    expect(result.json.agent.loosened).toEqual([{ kind: 'network-host', value: 'host' }]);
    // Inside, the agent has the host's interfaces (the engine's bridge among them), not its own.
    const interfaces = (await f.exec(`agentctl-${name}`, ['cat', '/proc/net/dev'])).output;
    const bridge = f.engineName === 'docker' ? 'docker0' : undefined;
    if (bridge) expect(interfaces).toContain(bridge);
    expect(interfaces.split('\n').filter((line) => line.includes(':')).length).toBeGreaterThan(2);
  });

  it('run --network host: the warning on stderr and loosened in its result document', async () => {
    const name = f.agentName('runhost');
    const result = await f.cli(
      [
        'run',
        name,
        '--json',
        '--rm',
        '--workspace',
        f.workspace(),
        '--image',
        f.image,
        '--network',
        'host',
        '--',
        'true',
      ],
      { env },
    );
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`^warning: agent ${name} shares the host's network`, 'm'));
    expect(result.json).toMatchObject({ ok: true, loosened: [{ kind: 'network-host', value: 'host' }] });
  });

  it('the hardened default prints no warning and an empty agent.loosened', async () => {
    const result = await f.cli(
      [
        '--json',
        'start',
        f.agentName('plain-net'),
        '--workspace',
        f.workspace(),
        '--image',
        f.image,
        '--',
        'sleep',
        '600',
      ],
      { env },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    // Rootless on cgroup v1 the one warning is that the engine keeps no limits (not a loosening).
    const limitsWarning = /^warning: agent \S+ runs without resource limits: .*cgroup v1.*$/m;
    expect(limitsWarning.test(result.stderr)).toBe(await f.limitsIgnored());
    expect(result.stderr.replace(limitsWarning, '')).not.toMatch(/^warning:/m);
    expect(result.json.agent.loosened).toEqual([]);
  });

  it('restarting a stopped host-network agent prints the warning again', async () => {
    const name = f.agentName('hostnet2');
    expect(
      (
        await f.cli(
          [
            'start',
            name,
            '-d',
            '--workspace',
            f.workspace(),
            '--image',
            f.image,
            '--network',
            'host',
            '--',
            'sleep',
            '600',
          ],
          { env },
        )
      ).exitCode,
    ).toBe(0);
    expect((await f.cli(['stop', name, '--timeout', '0'], { env })).exitCode).toBe(0);
    const again = await f.cli(['--json', 'start', name], { env });
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect(again.json.agent).toMatchObject({ resumed: true, loosened: [{ kind: 'network-host', value: 'host' }] });
    expect(again.stderr).toMatch(/shares the host's network/);
  });
});
