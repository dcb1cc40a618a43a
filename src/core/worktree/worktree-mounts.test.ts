import { describe, expect, it } from 'vitest';
import type { AgentWorktree } from './create-worktree.js';
import { getGitEnvironment } from './git-identity.js';
import { getWorktreeMounts } from './worktree-mounts.js';

function worktree(commonDir: string): AgentWorktree {
  return {
    agent: 'a',
    path: '/data/worktrees/p-1234abcd/a',
    branch: 'agent/a',
    adminDir: `${commonDir}/worktrees/a`,
    createdBranch: true,
    repository: { checkout: '/home/u/p', commonDir, gitDir: commonDir, isLinkedWorktree: false, key: 'p-1234abcd' },
  };
}

describe('getWorktreeMounts', () => {
  it('mounts the worktree at /workspace and the git dir at its host path, other worktrees read-only', () => {
    expect(getWorktreeMounts(worktree('/home/u/my p/.git'))).toEqual([
      { source: '/data/worktrees/p-1234abcd/a', target: '/workspace', readOnly: false },
      { source: '/home/u/my p/.git', target: '/home/u/my p/.git', readOnly: false },
      { source: '/home/u/my p/.git/worktrees', target: '/home/u/my p/.git/worktrees', readOnly: true },
      { source: '/home/u/my p/.git/worktrees/a', target: '/home/u/my p/.git/worktrees/a', readOnly: false },
    ]);
  });

  it('refuses a git dir that would collide with /workspace in the container', () => {
    expect(() => getWorktreeMounts(worktree('/workspace/.git'))).toThrow(expect.objectContaining({ code: 'WORKTREE_MOUNT_CONFLICT' }));
  });
});

describe('getGitEnvironment', () => {
  it('commits as the agent by default, or as configured', () => {
    expect(getGitEnvironment('bob')).toMatchObject({
      GIT_AUTHOR_NAME: 'agentctl agent bob',
      GIT_COMMITTER_NAME: 'agentctl agent bob',
      GIT_AUTHOR_EMAIL: 'bob@agents.agentctl.invalid',
      GIT_CONFIG_KEY_0: 'gc.worktreePruneExpire',
      GIT_CONFIG_VALUE_0: 'never',
    });
    expect(getGitEnvironment('bob', { name: 'Bot {agent}', email: 'bot@example.com' })).toMatchObject({
      GIT_AUTHOR_NAME: 'Bot bob',
      GIT_COMMITTER_EMAIL: 'bot@example.com',
    });
  });
});
