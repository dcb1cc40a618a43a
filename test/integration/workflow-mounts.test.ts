import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitSync, makeRepository } from '../helpers/git-repo.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';

const f = lifecycleFixture('wfmnt');

describe(`agentctl start --mount on ${f.engineName}`, () => {
  afterAll(() => f.cleanUp());

  it('mounts an extra host path read-only by default, read-write with :rw', async () => {
    const workspace = f.workspace();
    const shared = f.workspace();
    writeFileSync(join(shared, 'input.txt'), 'from-the-host\n');
    const scratch = f.workspace();
    // The agent runs as the workspace's owner, who may not be this directory's: let it write.
    chmodSync(scratch, 0o777);
    const name = f.agentName('ro');
    const started = await f.cli(
      [
        'start',
        name,
        '-d',
        '--json',
        '--workspace',
        workspace,
        '--image',
        f.image,
        '--mount',
        `${shared}:/data`,
        '--mount',
        `${scratch}:/scratch:rw`,
        '--',
        'sleep',
        '600',
      ],
      { cwd: workspace },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const container = `agentctl-${name}`;
    expect((await f.exec(container, ['cat', '/data/input.txt'])).output.trim()).toBe('from-the-host');
    const write = await f.exec(container, ['sh', '-c', 'echo x > /data/planted 2>&1; echo exit=$?']);
    expect(write.output).toMatch(/Read-only file system/);
    expect(existsSync(join(shared, 'planted'))).toBe(false);
    expect((await f.exec(container, ['sh', '-c', 'echo made-inside > /scratch/out.txt'])).exitCode).toBe(0);
    expect(readFileSync(join(scratch, 'out.txt'), 'utf8')).toBe('made-inside\n');

    const inspected = await f.cli(['inspect', name, '--json']);
    expect(inspected.json.agent.mounts).toEqual(
      expect.arrayContaining([
        { source: shared, target: '/data', readOnly: true },
        { source: scratch, target: '/scratch', readOnly: false },
      ]),
    );
    // A stopped agent keeps its mounts; another --mount is refused, never dropped.
    expect((await f.cli(['stop', name, '--timeout', '0'])).exitCode).toBe(0);
    const changed = await f.cli(['start', name, '-d', '--json', '--mount', `${shared}:/other`]);
    expect(changed.exitCode).toBe(8);
    expect(changed.json.error.message).toContain('--mount');
    const same = await f.cli(['start', name, '-d', '--json', '--mount', `${shared}:/data`]);
    expect(same.exitCode, same.stderr).toBe(0);
  });

  it("refuses what the containment protects: agentctl's data, the engine socket, a git dir, a writable checkout", async () => {
    const workspace = f.workspace();
    const dataHome = f.workspace();
    mkdirSync(join(dataHome, 'agentctl', 'logs'), { recursive: true });
    const repo = makeRepository(join(f.workspace(), 'repo'));
    gitSync(repo, 'status');
    const socket = f.host.replace(/^unix:\/\//, '');
    const cases: [string, RegExp][] = [
      [`${join(dataHome, 'agentctl')}:/state`, /agentctl's data directory/],
      [`${socket}:/engine.sock`, /engine|system directory/],
      [`${join(repo, '.git')}:/g`, /git directory/],
      [`${repo}:/src:rw`, /git checkout/],
    ];
    for (const [mount, message] of cases) {
      const name = f.agentName('refused');
      const result = await f.cli(
        ['start', name, '-d', '--json', '--workspace', workspace, '--image', f.image, '--mount', mount, '--', 'true'],
        { cwd: workspace, env: { XDG_DATA_HOME: dataHome } },
      );
      expect(result.exitCode, `${mount}: ${result.stdout}`).toBe(2);
      expect(result.json.error).toMatchObject({ code: 'MOUNT_REFUSED', message: expect.stringMatching(message) });
      expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
    }
    // Read-only, the checkout is fine: the agent cannot plant a hook in it.
    const name = f.agentName('checkout');
    const result = await f.cli(
      [
        'start',
        name,
        '-d',
        '--workspace',
        workspace,
        '--image',
        f.image,
        '--mount',
        `${repo}:/src`,
        '--',
        'ls',
        '/src/.git',
      ],
      { cwd: workspace, env: { XDG_DATA_HOME: dataHome } },
    );
    expect(result.exitCode, result.stderr).toBe(0);
  });
});
