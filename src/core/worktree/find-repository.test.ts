import { mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitSync, makeRepository, makeTempDir } from '../../../test/helpers/git-repo.js';
import { findRepository, getRepositoryKey } from './find-repository.js';
import { createGitRunner } from './git.js';

const git = createGitRunner();
let cleanups: Array<() => void> = [];
afterEach(() => {
  cleanups.forEach((cleanup) => cleanup());
  cleanups = [];
});
function tempDir(): string {
  const { dir, cleanup } = makeTempDir();
  cleanups.push(cleanup);
  return realpathSync(dir);
}

describe('findRepository', () => {
  it('finds the checkout and common dir of a repository in a path with spaces, from a subdirectory', async () => {
    const repo = makeRepository(path.join(tempDir(), 'my project'));
    mkdirSync(path.join(repo, 'src', 'deep'), { recursive: true });
    const found = await findRepository(git, path.join(repo, 'src', 'deep'));
    expect(found).toMatchObject({
      checkout: repo,
      commonDir: path.join(repo, '.git'),
      gitDir: path.join(repo, '.git'),
      isLinkedWorktree: false,
    });
    expect(found?.key).toMatch(/^my-project-[0-9a-f]{8}$/);
  });

  it('finds the main repository of a workspace that is itself a linked worktree', async () => {
    const root = tempDir();
    const repo = makeRepository(path.join(root, 'main'));
    gitSync(repo, 'worktree', 'add', '-q', '-b', 'feature', path.join(root, 'feature wt'));
    const found = await findRepository(git, path.join(root, 'feature wt'));
    expect(found).toMatchObject({
      checkout: path.join(root, 'feature wt'),
      commonDir: path.join(repo, '.git'),
      // git turns the space into '-' in the admin dir's name.
      gitDir: path.join(repo, '.git', 'worktrees', 'feature-wt'),
      isLinkedWorktree: true,
    });
    expect(found?.key).toBe(getRepositoryKey(path.join(repo, '.git')));
  });

  it('finds the git dir of a --separate-git-dir repository on another path', async () => {
    const root = tempDir();
    mkdirSync(path.join(root, 'store'));
    const repo = makeRepository(path.join(root, 'work'), '--separate-git-dir', path.join(root, 'store', 'work.git'));
    const found = await findRepository(git, repo);
    expect(found).toMatchObject({
      checkout: repo,
      commonDir: path.join(root, 'store', 'work.git'),
      isLinkedWorktree: false,
    });
    expect(found?.key).toMatch(/^work-[0-9a-f]{8}$/);
  });

  it('answers undefined outside any repository', async () => {
    expect(await findRepository(git, tempDir())).toBeUndefined();
  });
});
