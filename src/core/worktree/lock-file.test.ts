import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLockFile } from './lock-file.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'agentctl-lock-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const options = {
  waitMs: 300,
  staleMs: 60_000,
  timedOut: (holder: unknown) => Object.assign(new Error('timed out'), { holder }),
};

describe('acquireLockFile', () => {
  it('is exclusive: a second holder waits until the first releases', async () => {
    const lockPath = path.join(tempDir(), 'locks', 'a.lock');
    const first = await acquireLockFile(lockPath, options);
    const order: string[] = [];
    const second = acquireLockFile(lockPath, { ...options, waitMs: 10_000 }).then((lock) => {
      order.push('second');
      return lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    order.push('first released');
    await first.release();
    await (await second).release();
    expect(order).toEqual(['first released', 'second']);
  });

  it('gives up after waitMs on a live holder, naming it', async () => {
    const lockPath = path.join(tempDir(), 'a.lock');
    const held = await acquireLockFile(lockPath, options);
    await expect(acquireLockFile(lockPath, options)).rejects.toMatchObject({
      message: 'timed out',
      holder: { pid: process.pid, host: hostname() },
    });
    await held.release();
  });

  it('takes over a lock whose process is gone (agentctl killed while holding it)', async () => {
    const dir = tempDir();
    const lockPath = path.join(dir, 'a.lock');
    const dead = Number(
      execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }),
    );
    writeFileSync(lockPath, JSON.stringify({ pid: dead, host: hostname(), token: 'old' }));
    const lock = await acquireLockFile(lockPath, options);
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves a lock of another host alone until it is stale', async () => {
    const lockPath = path.join(tempDir(), 'a.lock');
    writeFileSync(lockPath, JSON.stringify({ pid: 1, host: 'elsewhere', token: 'x' }));
    await expect(acquireLockFile(lockPath, options)).rejects.toThrow('timed out');
    const lock = await acquireLockFile(lockPath, { ...options, staleMs: 0 });
    await lock.release();
  });

  it('release removes only its own lock, and the directories it made once empty', async () => {
    const dir = tempDir();
    const lockPath = path.join(dir, 'data', 'locks', 'a.lock');
    const lock = await acquireLockFile(lockPath, options);
    writeFileSync(lockPath, JSON.stringify({ pid: process.pid, host: hostname(), token: 'someone else' }));
    await lock.release();
    expect(existsSync(lockPath)).toBe(true);
    rmSync(lockPath);
    mkdirSync(path.join(dir, 'data', 'kept'));
    const again = await acquireLockFile(lockPath, options);
    await again.release();
    expect(readdirSync(dir)).toEqual(['data']);
    expect(readdirSync(path.join(dir, 'data'))).toEqual(['kept']);
  });
});
