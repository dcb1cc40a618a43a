import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

const f = lifecycleFixture('lcc');

describe(`concurrent starts on ${f.engineName}`, () => {
  afterAll(() => f.cleanUp());

  it('three agents started at once from three processes all come up', async () => {
    const names = ['a', 'b', 'c'].map((label) => f.agentName(label));
    const results = await Promise.all(
      names.map((name) =>
        f.cli(['start', name, '-d', '--json', '--workspace', f.workspace(), '--image', f.image, '--', 'sleep', '600']),
      ),
    );
    expect(
      results.map((r) => r.exitCode),
      results.map((r) => r.stdout).join('\n'),
    ).toEqual([0, 0, 0]);
    const listed = await f.cli(['ls', '--json']);
    const states = Object.fromEntries(
      listed.json.agents.map((a: { name: string; state: string }) => [a.name, a.state]),
    );
    for (const name of names) expect(states[name]).toBe('running');
    expect((await f.cli(['rm', '--force', '--volumes', ...names])).exitCode).toBe(0);
  });

  it('ls --all while other processes remove agents: the removed ones are left out, never an error', async () => {
    // Podman answers an inspect of a container being removed with 500 "no such container"
    // (podman#10120); ls lists, then inspects each container, so a removal in between used to fail it.
    const names = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'].map((label) => f.agentName(label));
    for (const name of names) {
      const started = await f.cli([
        'start',
        name,
        '-d',
        '--workspace',
        f.workspace(),
        '--image',
        f.image,
        '--',
        'sleep',
        '600',
      ]);
      expect(started.exitCode, started.stderr).toBe(0);
    }
    const listings = Promise.all(
      Array.from({ length: 12 }, async (_, index) => {
        await new Promise((resolve) => setTimeout(resolve, index * 50));
        return f.cli(['ls', '--all', '--json']);
      }),
    );
    const removals = Promise.all(
      names.map(async (name, index) => {
        // Spread over the listings' time, so that some removal is under way at each one's inspect.
        await new Promise((resolve) => setTimeout(resolve, 250 + index * 100));
        await f.docker.getContainer(`agentctl-${name}`).remove({ force: true, v: false });
      }),
    );
    const [results] = await Promise.all([listings, removals]);
    for (const result of results) {
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      const listed = result.json.agents.map((agent: { name: string }) => agent.name);
      // Only agents of this test that still existed, each once.
      const mine = listed.filter((name: string) => names.includes(name));
      expect(new Set(mine).size).toBe(mine.length);
    }
    expect((await f.cli(['ls', '--all', '--json'])).json.agents.map((a: { name: string }) => a.name)).not.toEqual(
      expect.arrayContaining([names[0]]),
    );
    await f.cli(['rm', '--force', '--volumes', ...names]);
  });

  it('two starts racing for one name: exactly one wins, the other exits 8', async () => {
    const name = f.agentName('race');
    // Two workspaces, so that only the name is contested.
    const results = await Promise.all(
      [f.workspace(), f.workspace()].map((ws) =>
        f.cli(['start', name, '-d', '--json', '--workspace', ws, '--image', f.image, '--', 'sleep', '600']),
      ),
    );
    expect(results.map((r) => r.exitCode).sort(), results.map((r) => r.stdout).join('\n')).toEqual([0, 8]);
    const loser = results.find((r) => r.exitCode === 8)!;
    expect(['CONTAINER_NAME_TAKEN', 'AGENT_EXISTS']).toContain(loser.json.error.code);
    expect(loser.json.error.message).toContain(name);
    const info = await f.docker.getContainer(`agentctl-${name}`).inspect();
    expect(info.State.Running).toBe(true);
    // The winner's home volume survived the loser's clean-up.
    expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(true);
  });

  // Issue 16: three concurrent `agentctl start` on one non-git directory all succeeded on Docker
  // (two agents writing one directory); the look at who uses it and the create were not atomic.
  describe('concurrent starts on one directory', () => {
    const dataDirs: string[] = [];
    const dataDir = () => {
      const dir = mkdtempSync(join(tmpdir(), 'agentctl-lcc-data-'));
      dataDirs.push(dir);
      return dir;
    };
    afterAll(() => {
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    });
    const startOn = (name: string, workspace: string, data: string) =>
      f.cli(['start', name, '-d', '--json', '--workspace', workspace, '--image', f.image, '--', 'sleep', '600'], {
        env: { AGENTCTL_DATA_DIR: data },
      });
    const lockFiles = (data: string) => {
      const dir = join(data, 'locks');
      return existsSync(dir) ? readdirSync(dir) : [];
    };

    it('three concurrent starts on one non-git directory: exactly one succeeds, the others CHECKOUT_IN_USE, nothing left behind', async () => {
      const workspace = f.workspace();
      const data = dataDir();
      const names = ['one', 'two', 'three'].map((label) => f.agentName(`dir-${label}`));
      const results = await Promise.all(names.map((name) => startOn(name, workspace, data)));
      const report = results.map((r) => r.stdout + r.stderr).join('\n');
      expect(results.filter((r) => r.exitCode === 0).length, report).toBe(1);
      const losers = results.filter((r) => r.exitCode !== 0);
      for (const loser of losers) {
        expect(loser.exitCode, report).toBe(8);
        expect(loser.json.error.code, report).toBe('CHECKOUT_IN_USE');
      }
      const winner = names[results.findIndex((r) => r.exitCode === 0)]!;
      for (const name of names) {
        expect(await f.containerExists(`agentctl-${name}`), name).toBe(name === winner);
        expect(await f.volumeExists(`agentctl-${name}-home`), name).toBe(name === winner);
      }
      expect(lockFiles(data)).toEqual([]);
      expect((await f.cli(['rm', '--force', '--volumes', winner], { env: { AGENTCTL_DATA_DIR: data } })).exitCode).toBe(
        0,
      );
    });

    it('concurrent starts on one directory from different data directories (root and a user): never two writers', async () => {
      const workspace = f.workspace();
      const names = ['x', 'y', 'z'].map((label) => f.agentName(`users-${label}`));
      const results = await Promise.all(names.map((name) => startOn(name, workspace, dataDir())));
      const report = results.map((r) => r.stdout + r.stderr).join('\n');
      // Without a shared lock both sides may give up; two writers on one directory never happen.
      expect(results.filter((r) => r.exitCode === 0).length, report).toBeLessThanOrEqual(1);
      for (const loser of results.filter((r) => r.exitCode !== 0))
        expect(loser.json.error.code, report).toBe('CHECKOUT_IN_USE');
      let running = 0;
      for (const name of names) if (await f.containerExists(`agentctl-${name}`)) running += 1;
      expect(running, report).toBe(results.filter((r) => r.exitCode === 0).length);
      await f.cli(['rm', '--force', '--volumes', ...names]);
    });

    it('a claim left by a killed agentctl does not block the next start on the directory', async () => {
      const workspace = f.workspace();
      const data = dataDir();
      // A process that existed and is gone: the holder of the stale lock.
      const dead = Number(
        execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }),
      );
      const key = createHash('sha256').update(realpathSync(workspace)).digest('hex').slice(0, 24);
      mkdirSync(join(data, 'locks'), { recursive: true });
      writeFileSync(
        join(data, 'locks', `checkout-${key}.lock`),
        `${JSON.stringify({ pid: dead, host: hostname(), token: 'left-by-a-killed-agentctl' })}\n`,
      );
      const name = f.agentName('stale');
      const started = await startOn(name, workspace, data);
      expect(started.exitCode, started.stdout + started.stderr).toBe(0);
      expect(lockFiles(data)).toEqual([]);
      expect((await f.cli(['rm', '--force', '--volumes', name], { env: { AGENTCTL_DATA_DIR: data } })).exitCode).toBe(
        0,
      );
    });
  });
});
