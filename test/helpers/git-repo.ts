import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Test User',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test User',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
};

/**
 * The options of a describe whose tests run dozens of git processes (up to ~2 s each alone): a
 * full unit run on a loaded machine once took one past vitest's 5 s default. Room for load, not a
 * timing claim.
 */
export const GIT_TESTS = { timeout: 30_000 };

/** Runs git synchronously in `cwd` (test identity, no user config) and returns trimmed stdout. */
export function gitSync(cwd: string, ...args: string[]): string {
  return gitSyncAs(undefined, cwd, ...args);
}

/**
 * gitSync as another user (a test as root working in a repository it gave to a regular user):
 * objects and directories git writes then belong to that user, as they would on a real machine.
 */
export function gitSyncAs(owner: { uid: number; gid: number } | undefined, cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    ...(owner && process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {}),
    encoding: 'utf8',
    // safe.directory: tests (as root) read repositories they chowned to another user.
    env: {
      ...process.env,
      ...IDENTITY,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'safe.directory',
      GIT_CONFIG_VALUE_0: '*',
      LC_ALL: 'C',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** A temp directory removed by the returned cleanup. The name includes a space on purpose. */
export function makeTempDir(prefix = 'agentctl wt-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A repository with one commit (README.md) on `main` at `dir`; extra git-init args allowed. */
export function makeRepository(dir: string, ...initArgs: string[]): string {
  mkdirSync(dir, { recursive: true });
  gitSync(dir, 'init', '-q', '-b', 'main', ...initArgs, '.');
  writeFileSync(path.join(dir, 'README.md'), '# test\n');
  gitSync(dir, 'add', 'README.md');
  gitSync(dir, 'commit', '-q', '-m', 'initial commit');
  return dir;
}
