import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UsageError } from '../../shared/errors.js';
import type { WorkspaceClone } from './agent-record.js';

const run = promisify(execFile);

/**
 * Where a host checkout's clone comes from: its `origin` remote at HEAD, which must be pushed
 * (the cluster cannot see this machine's commits). The branch checked out is recreated there.
 */
export async function describeWorkspace(
  path: string,
  readOnly: boolean,
  env: NodeJS.ProcessEnv = process.env,
  mode: 'clone' | 'upload' = 'clone',
): Promise<WorkspaceClone> {
  const git = async (...args: string[]) =>
    (await run('git', ['-C', path, ...args], { env: { ...env, GIT_TERMINAL_PROMPT: '0' } })).stdout.trim();
  const remote = await git('remote', 'get-url', 'origin').catch(() => '');
  if (mode === 'upload') {
    const commit = await git('rev-parse', '--verify', '-q', 'HEAD^{commit}').catch(() => '');
    if (!commit) throw noCommit(path, 'upload');
    const branch = await git('symbolic-ref', '-q', '--short', 'HEAD').catch(() => '');
    // origin stays the agent's remote for its own pushes when the nodes could reach it.
    const reachable = /^[a-z][a-z0-9+.-]*:\/\//i.test(remote) || /^[^/]+@[^/:]+:/.test(remote);
    return { remote: reachable ? remote : '', commit, readOnly, upload: true, ...(branch ? { branch } : {}) };
  }
  if (!remote) {
    throw new UsageError(
      'WORKSPACE_NO_REMOTE',
      `The workspace ${path} has no git remote "origin" for the cluster to clone`,
      {
        hint: 'On Kubernetes the agent works in a clone: add a remote the cluster can reach (`git remote add origin URL`) and push, or set kubernetes.workspace to upload (no remote needed)',
      },
    );
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(remote) && !/^[^/]+@[^/:]+:/.test(remote)) {
    throw new UsageError(
      'WORKSPACE_REMOTE_LOCAL',
      `The remote "origin" of ${path} is a path on this machine (${remote}), which the cluster cannot reach`,
      {
        hint: 'Use a remote URL the cluster can reach (https://, ssh:// or git://), or set kubernetes.workspace to upload (no remote needed)',
      },
    );
  }
  const commit = await git('rev-parse', '--verify', '-q', 'HEAD^{commit}').catch(() => '');
  if (!commit) throw noCommit(path, 'clone');
  const pushed = await git('for-each-ref', '--contains', commit, '--format=%(refname)', 'refs/remotes/origin').catch(
    () => '',
  );
  if (!pushed) {
    throw new UsageError(
      'WORKSPACE_NOT_PUSHED',
      `Commit ${commit.slice(0, 12)} of ${path} is not on the remote "origin"; the cluster clones from there`,
      {
        hint: 'Push it first (`git push`), then start again; or set kubernetes.workspace to upload to send it from here',
        details: { commit },
      },
    );
  }
  const branch = await git('symbolic-ref', '-q', '--short', 'HEAD').catch(() => '');
  return { remote, commit, readOnly, ...(branch ? { branch } : {}) };
}

function noCommit(path: string, mode: 'clone' | 'upload'): UsageError {
  return new UsageError('WORKSPACE_NO_COMMIT', `The workspace ${path} has no commit yet for the cluster to ${mode}`, {
    hint:
      mode === 'clone'
        ? 'Commit and push what the agent needs (`git commit`, then `git push -u origin HEAD`), then start again'
        : 'Commit what the agent needs (`git commit`), then start again: the commit is what is uploaded',
  });
}
