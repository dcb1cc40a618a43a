import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GIT_TESTS, gitSync, makeRepository, makeTempDir } from '../../../test/helpers/git-repo.js';
import { LABELS } from '../../shared/labels.js';
import type { ExistingAgent } from './decide-worktree.js';
import { createGitRunner } from './git.js';
import { prepareAgentWorkspace, type PrepareWorkspaceDeps } from './prepare-agent-workspace.js';
import type { AgentMount } from '../../runtime/agent-spec.js';

/** Mounts in the engines' bind syntax, as the Docker backend writes them (src:dst:opts). */
const binds = (mounts: AgentMount[]) =>
  mounts.map((mount) =>
    mount.kind === 'home'
      ? `${mount.volume}:${mount.target}:rw`
      : `${mount.source}:${mount.target}:${[mount.readOnly ? 'ro' : 'rw', ...(mount.relabel ? ['z'] : [])].join(',')}`,
  );

let cleanups: Array<() => void> = [];
afterEach(() => {
  cleanups.forEach((cleanup) => cleanup());
  cleanups = [];
});

function setup(agents: ExistingAgent[] = [], mode: 'auto' | 'always' | 'never' = 'auto') {
  const { dir, cleanup } = makeTempDir();
  cleanups.push(cleanup);
  const root = realpathSync(dir);
  const repo = makeRepository(path.join(root, 'repo'));
  const deps: PrepareWorkspaceDeps = {
    config: { worktree: mode, worktreeDir: path.join(root, 'wt') },
    env: process.env,
    homedir: root,
    listAgents: async () => agents,
    log: () => {},
    createGit: () => createGitRunner({ ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' }),
  };
  return { root, repo, deps };
}

describe('prepareAgentWorkspace', GIT_TESTS, () => {
  it('gives the second writer a worktree with its own repository, identity and labels; discard undoes it', async () => {
    const { repo, deps } = setup();
    const writer = { name: 'w', labels: { [LABELS.workspace]: repo } };
    const prepared = await prepareAgentWorkspace(
      { ...deps, listAgents: async () => [writer] },
      { name: 'a2', workspace: repo, readOnly: false, selinux: false },
    );
    const objects = path.join(repo, '.git', 'objects');
    const state = prepared.repository!.state;
    expect(prepared.workspace).toBe(prepared.worktree?.path);
    // The user's git dir is never mounted: the agent's repository over .git, the objects read-only.
    expect(binds(prepared.mounts)).toEqual([`${state.gitDir}:/workspace/.git:rw`, `${objects}:${objects}:ro`]);
    expect(prepared.labels).toEqual({
      [LABELS.repository]: path.join(repo, '.git'),
      [LABELS.gitState]: state.dir,
      [LABELS.worktree]: prepared.workspace,
      [LABELS.branch]: 'agent/a2',
      [LABELS.base]: gitSync(repo, 'rev-parse', 'HEAD'),
    });
    expect(Object.fromEntries(prepared.env)).toMatchObject({ GIT_AUTHOR_NAME: 'agentctl agent a2' });
    await prepared.discard();
    expect(existsSync(prepared.workspace) || existsSync(state.dir)).toBe(false);
    expect(gitSync(repo, 'branch', '--list', 'agent/a2')).toBe('');
  });

  it("lets the first writer use the checkout behind a repository of its own; a read-only agent reads a linked worktree's git dir", async () => {
    const { root, repo, deps } = setup();
    const first = await prepareAgentWorkspace(deps, { name: 'a1', workspace: repo, readOnly: false, selinux: true });
    const objects = path.join(repo, '.git', 'objects');
    expect(first.workspace).toBe(repo);
    expect(binds(first.mounts)).toEqual([
      `${first.repository!.state.gitDir}:/workspace/.git:rw,z`,
      `${objects}:${objects}:ro,z`,
    ]);
    expect(first.worktree).toBeUndefined();
    expect(first.labels[LABELS.branch]).toBe('agent/a1');
    const linked = path.join(root, 'linked');
    gitSync(repo, 'worktree', 'add', '-q', '-b', 'linked', linked);
    const direct = await prepareAgentWorkspace(deps, { name: 'l1', workspace: linked, readOnly: true, selinux: true });
    const common = path.join(repo, '.git');
    expect(binds(direct.mounts)).toEqual([
      `${common}:${common}:ro,z`,
      `${common}/worktrees:${common}/worktrees:ro,z`,
      `${common}/worktrees/linked:${common}/worktrees/linked:ro,z`,
    ]);
    expect(direct.repository).toBeUndefined();
  });

  it('goes on without git on the host unless a worktree was asked for', async () => {
    const { repo, deps } = setup();
    const noGit = { ...deps, createGit: () => createGitRunner({ PATH: '/nonexistent' }) };
    expect(
      (await prepareAgentWorkspace(noGit, { name: 'n', workspace: repo, readOnly: false, selinux: false })).mounts,
    ).toEqual([]);
    await expect(
      prepareAgentWorkspace(noGit, { name: 'n', workspace: repo, readOnly: false, selinux: false, worktree: true }),
    ).rejects.toMatchObject({
      code: 'GIT_NOT_FOUND',
    });
  });

  it('makes no worktree when the backend gives each agent its own copy, and refuses asking for one', async () => {
    const { repo, deps } = setup([], 'always');
    const writer = { name: 'w', labels: { [LABELS.workspace]: repo } };
    const copy = await prepareAgentWorkspace(
      { ...deps, listAgents: async () => [writer] },
      { name: 'k', workspace: repo, readOnly: false, selinux: false, ownCopy: true },
    );
    expect(copy).toMatchObject({ workspace: repo, mounts: [], labels: {} });
    expect(copy.worktree).toBeUndefined();
    expect(Object.fromEntries(copy.env)).toMatchObject({ GIT_AUTHOR_NAME: 'agentctl agent k' });
    await expect(
      prepareAgentWorkspace(deps, {
        name: 'k',
        workspace: repo,
        readOnly: false,
        selinux: false,
        ownCopy: true,
        branch: 'b',
      }),
    ).rejects.toMatchObject({ code: 'WORKTREE_UNSUPPORTED' });
    expect(gitSync(repo, 'worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('refuses --branch with --no-worktree', async () => {
    const { repo, deps } = setup();
    await expect(
      prepareAgentWorkspace(deps, {
        name: 'x',
        workspace: repo,
        readOnly: false,
        selinux: false,
        worktree: false,
        branch: 'b',
      }),
    ).rejects.toMatchObject({
      code: 'USAGE_BRANCH_WITHOUT_WORKTREE',
    });
  });
});
