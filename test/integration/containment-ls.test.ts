import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitSync, makeRepository } from '../helpers/git-repo.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';

/**
 * Issue 16: `ls` counts an agent's uncommitted files by running git on the host over the files the
 * agent wrote. The user's own filter drivers (git-lfs and the like, in the repository's or the
 * global config) are trusted programs, but the agent's `.gitattributes` choose which of them runs
 * on which of its files: none may run, as for the review commands. The agent plants the attributes
 * from inside its container; then the host runs `agentctl ls`.
 */
const f = lifecycleFixture('cls');
let root = '';
let repo = '';
const name = f.agentName('attrs');
const mark = (id: string) => join(root, 'markers', id);
const env = () => ({
  AGENTCTL_WORKTREE_DIR: join(root, 'data', 'worktrees'),
  AGENTCTL_DATA_DIR: join(root, 'data'),
  GIT_CONFIG_GLOBAL: join(root, 'user.gitconfig'),
});

describe(`ls runs none of the user's filter drivers on an agent's files, on ${f.engineName}`, () => {
  beforeAll(async () => {
    root = f.workspace();
    mkdirSync(join(root, 'markers'));
    repo = makeRepository(join(root, 'project'));
    writeFileSync(join(repo, 'notes.txt'), 'notes\n');
    gitSync(repo, 'add', 'notes.txt');
    gitSync(repo, 'commit', '-q', '-m', 'notes');
    // The user's drivers: one in the repository's config, one in the global config.
    gitSync(repo, 'config', 'filter.userlfs.clean', `touch '${mark('repo-clean')}'; cat`);
    gitSync(repo, 'config', 'filter.userlfs.process', `touch '${mark('repo-process')}'`);
    gitSync(repo, 'config', 'diff.userdiff.textconv', `touch '${mark('repo-textconv')}'; cat`);
    writeFileSync(
      join(root, 'user.gitconfig'),
      `[filter "globaldrv"]\n\tclean = touch '${mark('global-clean')}'; cat\n\tprocess = touch '${mark('global-process')}'\n`,
    );
    const started = await f.cli(
      ['start', name, '-d', '--json', '--worktree', '--image', f.image, '--', 'sleep', '600'],
      { cwd: repo, env: env() },
    );
    expect(started.exitCode, started.stdout + started.stderr).toBe(0);
  });
  afterAll(() => f.cleanUp());

  it('the agent picks the user’s drivers for its files; `ls` runs none of them and still counts the files', async () => {
    const planted = await f.exec(`agentctl-${name}`, [
      'sh',
      '-c',
      'cd /workspace && printf "*.txt filter=userlfs diff=userdiff\\n*.md filter=globaldrv\\n" > .gitattributes && echo agent >> README.md && echo agent >> notes.txt && echo new > new.txt && echo ok',
    ]);
    expect(planted.output).toContain('ok');
    for (const args of [['ls'], ['ls', '--json'], ['ls', '--all']]) {
      const listed = await f.cli(args, { cwd: repo, env: env() });
      expect(listed.exitCode, listed.stderr).toBe(0);
    }
    const listed = await f.cli(['ls', '--json'], { cwd: repo, env: env() });
    const agent = (listed.json.agents as { name: string; git?: { uncommitted?: number } }[]).find(
      (a) => a.name === name,
    );
    expect(JSON.stringify(agent)).toMatch(/uncommitted/);
    for (const id of ['repo-clean', 'repo-process', 'repo-textconv', 'global-clean', 'global-process'])
      expect(existsSync(mark(id)), `the user's ${id} ran on the agent's files`).toBe(false);
    expect((await f.cli(['rm', '--force', name], { cwd: repo, env: env() })).exitCode).toBe(0);
  });
});
