import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failedForWantOfSpace } from './disk-space.js';
import { GitCommandError, type GitRunner } from './git.js';

const repo = mkdtempSync(path.join(tmpdir(), 'agentctl-disk-'));
const run = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, encoding: 'utf8' }).trim();
run('init', '-q');
writeFileSync(path.join(repo, 'a.txt'), 'x'.repeat(5000));
run('add', 'a.txt');
run('commit', '-qm', 'a');
const commit = run('rev-parse', 'HEAD');
const git: GitRunner = async (args, options) =>
  execFileSync('git', [...args], { cwd: options.cwd, encoding: 'utf8' }).replace(/\n$/, '');
afterAll(() => rmSync(repo, { recursive: true, force: true }));

const unableToWrite = new GitCommandError(['read-tree'], 128, 'error: unable to write file a.txt\n');

describe('a data dir out of space reported as GIT_FAILED', () => {
  it("git's own words, or node's ENOSPC, are enough", async () => {
    const check = { git, cwd: repo, commit: undefined, directory: repo };
    const noSpace = Object.assign(new Error('no space'), { code: 'ENOSPC' });
    expect(await failedForWantOfSpace(noSpace, check)).toBe(true);
    const said = new GitCommandError(['x'], 128, 'fatal: write error: No space left on device');
    expect(await failedForWantOfSpace(said, check)).toBe(true);
  });

  it('"unable to write file" counts when the disk has less room than the commit\'s files', async () => {
    const full = async () => ({ bavail: 1, bsize: 4096 }) as never;
    const roomy = async () => ({ bavail: 1_000_000, bsize: 4096 }) as never;
    const check = { git, cwd: repo, commit, directory: repo };
    expect(await failedForWantOfSpace(unableToWrite, { ...check, statfs: full })).toBe(true);
    expect(await failedForWantOfSpace(unableToWrite, { ...check, statfs: roomy })).toBe(false);
  });

  it('other failures are not disk-full', async () => {
    const check = { git, cwd: repo, commit, directory: repo };
    expect(await failedForWantOfSpace(new Error('bug'), check)).toBe(false);
    // This machine's temp disk has room for 5 kB.
    expect(await failedForWantOfSpace(new GitCommandError(['x'], 128, 'fatal: bad object'), check)).toBe(false);
  });
});
