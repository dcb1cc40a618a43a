import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { lifecycleFixture } from '../helpers/lifecycle.js';

const f = lifecycleFixture('lco');

describe(`start options and prune on ${f.engineName}`, () => {
  afterAll(() => f.cleanUp());

  it('--read-only, --cpus, --memory, --pids-limit and --network reach the container', async () => {
    const name = f.agentName('opts');
    const ws = f.workspace();
    const result = await f.cli([
      'start',
      name,
      '-d',
      '--workspace',
      ws,
      '--image',
      f.image,
      '--read-only',
      '--cpus',
      '0.5',
      '--memory',
      '256m',
      '--pids-limit',
      '64',
      '--network',
      'none',
      '--',
      'sleep',
      '600',
    ]);
    expect(result.exitCode).toBe(0);
    const info = await f.docker.getContainer(`agentctl-${name}`).inspect();
    // Rootless on cgroup v1 the engine keeps none of the limits it accepted: agentctl says so.
    const limitsIgnored = await f.limitsIgnored();
    expect([info.HostConfig.NanoCpus, info.HostConfig.Memory, info.HostConfig.PidsLimit]).toEqual(
      limitsIgnored ? [0, 0, 0] : [5e8, 256 * 1024 ** 2, 64],
    );
    expect(result.stderr.includes(`agent ${name} runs without resource limits`)).toBe(limitsIgnored);
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.Mounts.find((m) => m.Destination === '/workspace')?.RW).toBe(false);
    const write = await f.exec(`agentctl-${name}`, ['touch', '/workspace/nope']);
    expect(write.exitCode).not.toBe(0);
    // The workspace's owner: root for root's workspace, without any capability (so --read-only
    // holds for it like for anyone: the mount is read-only); the test user's own uid for its own.
    expect(info.Config.User).toBe(`${process.getuid!()}:${process.getgid!()}`);
    expect((await f.exec(`agentctl-${name}`, ['id', '-u'])).output.trim()).toBe(String(process.getuid!()));
    expect((await f.exec(`agentctl-${name}`, ['cat', '/proc/1/status'])).output).toMatch(
      /^CapEff:\s+0000000000000000$/m,
    );
  });

  it('start without --detach attaches: the agent output comes back and its exit code passes through', async () => {
    const name = f.agentName('fg');
    const result = await f.cli([
      'start',
      name,
      '--workspace',
      f.workspace(),
      '--image',
      f.image,
      '--',
      'sh',
      '-c',
      'echo hello from the agent; exit 3',
    ]);
    expect(result.stdout).toContain('hello from the agent');
    expect(result.exitCode).toBe(3);
  });

  it('prune removes stopped agents and orphaned volumes of agentctl only', async () => {
    const ws = f.workspace();
    // agentctl's own data (worktrees, records) in a directory of this test's: the unscoped dry run
    // below must not meet other tests' worktrees in the user's data directory (it reports those
    // it cannot prove safe to remove with exit 9, which is right, and not this test's subject).
    const options = { env: { XDG_DATA_HOME: join(f.workspace(), 'data') } };
    const stopped = f.agentName('stopped');
    expect(
      (await f.cli(['start', stopped, '-d', '--workspace', ws, '--image', f.image, '--', 'sleep', '600'], options))
        .exitCode,
    ).toBe(0);
    expect((await f.cli(['stop', stopped, '--timeout', '0'], options)).exitCode).toBe(0);
    const orphan = `agentctl-${f.agentName('orphan')}-home`;
    await f.docker.createVolume({
      Name: orphan,
      Labels: {
        'io.agentctl.managed': 'true',
        'io.agentctl.agent': f.agentName('orphan'),
        'io.agentctl.workspace': ws,
      },
    });
    // Look-alikes without agentctl's label: a stopped container and a volume with agentctl's names.
    const fake = f.agentName('fake');
    await f.docker.createContainer({
      name: `agentctl-${fake}`,
      Image: f.image,
      Cmd: ['true'],
      Labels: { 'io.agentctl.agent': fake },
    });
    await f.docker.createVolume({ Name: `agentctl-${fake}-home` });

    // Unscoped dry run: what prune would take on this engine (other test runs' objects included).
    const plan = await f.cli(['prune', '--dry-run', '--json'], options);
    expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
    const planned = plan.json.containers.map((c: { name: string }) => c.name);
    expect(planned).toContain(stopped);
    expect(planned).not.toContain(fake);
    expect(plan.json.volumes).toEqual(expect.arrayContaining([`agentctl-${stopped}-home`, orphan]));
    expect(plan.json.volumes).not.toContain(`agentctl-${fake}-home`);
    expect(await f.containerExists(`agentctl-${stopped}`)).toBe(true);

    // The real prune, scoped to this test's workspace so other engineers' agents stay.
    const pruned = await f.cli(['prune', '--workspace', ws, '--json'], options);
    expect(pruned.exitCode, pruned.stdout + pruned.stderr).toBe(0);
    expect(pruned.json.containers.map((c: { name: string }) => c.name)).toEqual([stopped]);
    expect(pruned.json.volumes.sort()).toEqual([`agentctl-${stopped}-home`, orphan].sort());
    expect(await f.containerExists(`agentctl-${stopped}`)).toBe(false);
    expect(await f.volumeExists(orphan)).toBe(false);
    expect(await f.containerExists(`agentctl-${fake}`)).toBe(true);
    expect(await f.volumeExists(`agentctl-${fake}-home`)).toBe(true);
  });
});
