import { describe, expect, it } from 'vitest';
import { getGitEnvironment } from './git-identity.js';
import { getGitDirMounts } from './worktree-mounts.js';

describe('getGitDirMounts (read-only agents on a checkout whose git dir is outside it)', () => {
  it("mounts the common dir at its host path and a linked worktree's own admin dir", () => {
    expect(
      getGitDirMounts({ commonDir: '/home/u/my p/.git', gitDir: '/home/u/my p/.git/worktrees/a', readOnly: true }),
    ).toEqual([
      { source: '/home/u/my p/.git', target: '/home/u/my p/.git', readOnly: true },
      { source: '/home/u/my p/.git/worktrees', target: '/home/u/my p/.git/worktrees', readOnly: true },
      { source: '/home/u/my p/.git/worktrees/a', target: '/home/u/my p/.git/worktrees/a', readOnly: true },
    ]);
  });

  it('refuses a git dir that would collide with /workspace in the container', () => {
    expect(() => getGitDirMounts({ commonDir: '/workspace/.git', gitDir: '/workspace/.git', readOnly: true })).toThrow(
      expect.objectContaining({ code: 'WORKTREE_MOUNT_CONFLICT' }),
    );
  });
});

describe('getGitEnvironment', () => {
  it('commits as the agent by default, or as configured', () => {
    expect(getGitEnvironment('bob')).toMatchObject({
      GIT_AUTHOR_NAME: 'agentctl agent bob',
      GIT_COMMITTER_NAME: 'agentctl agent bob',
      GIT_AUTHOR_EMAIL: 'bob@agents.agentctl.invalid',
      GIT_CONFIG_KEY_0: 'safe.directory',
      GIT_CONFIG_VALUE_0: '*',
    });
    expect(getGitEnvironment('bob', { name: 'Bot {agent}', email: 'bot@example.com' })).toMatchObject({
      GIT_AUTHOR_NAME: 'Bot bob',
      GIT_COMMITTER_EMAIL: 'bot@example.com',
    });
  });
});
