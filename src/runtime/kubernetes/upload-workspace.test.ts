import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GIT_TESTS, gitSync, makeRepository, makeTempDir } from '../../../test/helpers/git-repo.js';
import { cloneScript, UPLOAD_DIR } from './pod-spec.js';
import { packWorkspace, uploadPack } from './upload-workspace.js';

// The upload's two halves run here for real: agentctl's pack and write, and the clone init
// container's script, with the Pod's /workspace a directory of the test.
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
let cleanups: Array<() => void> = [];
afterEach(() => {
  cleanups.forEach((cleanup) => cleanup());
  cleanups = [];
});

/** The Pod's /workspace: a path without spaces, as in the Pod (the clone step's script is written for it). */
function podWorkspace(): string {
  const { dir, cleanup } = makeTempDir('agentctl-pod-');
  cleanups.push(cleanup);
  const workspace = path.join(realpathSync(dir), 'workspace');
  mkdirSync(workspace);
  return workspace;
}

function inPod(workspace: string, command: string[], input?: Buffer) {
  const args = command.map((arg) => arg.replaceAll('/workspace', workspace));
  const result = spawnSync(args[0]!, args.slice(1), { env, input: input ?? Buffer.alloc(0) });
  return { exitCode: result.status ?? -1, stderr: result.stderr.toString('utf8'), stdout: result.stdout.toString() };
}

describe('kubernetes.workspace upload', GIT_TESTS, () => {
  it("packs the checkout's commit with its history; the clone step makes the repository from it alone", async () => {
    const { dir, cleanup } = makeTempDir();
    cleanups.push(cleanup);
    const root = realpathSync(dir);
    const repo = makeRepository(path.join(root, 'my repo'));
    writeFileSync(path.join(repo, 'second.txt'), 'second\n');
    gitSync(repo, 'add', 'second.txt');
    gitSync(repo, 'commit', '-q', '-m', 'second');
    const commit = gitSync(repo, 'rev-parse', 'HEAD');
    writeFileSync(path.join(repo, 'uncommitted.txt'), 'stays here\n');
    const workspace = podWorkspace();

    const pack = await packWorkspace(repo, commit, env);
    await uploadPack(async (command, input) => inPod(workspace, command, input), 'a', pack);
    expect(existsSync(path.join(workspace, UPLOAD_DIR.slice('/workspace/'.length), 'ready'))).toBe(true);
    const script = cloneScript({ remote: '', commit, branch: 'main', readOnly: false, upload: true });
    const cloned = inPod(workspace, ['sh', '-c', script]);
    expect(cloned.exitCode, cloned.stderr).toBe(0);
    expect(cloned.stdout).toContain(`agentctl: uploaded ${commit.slice(0, 12)}`);
    expect(gitSync(workspace, 'rev-parse', 'HEAD')).toBe(commit);
    expect(gitSync(workspace, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(gitSync(workspace, 'log', '--format=%s')).toBe('second\ninitial commit');
    expect(gitSync(workspace, 'status', '--porcelain')).toBe('');
    expect(gitSync(workspace, 'remote')).toBe('');
    // What was not committed stays on this machine; nothing of the upload is left in the workspace.
    expect(existsSync(path.join(workspace, 'uncommitted.txt'))).toBe(false);
    expect(existsSync(path.join(workspace, '.agentctl-upload'))).toBe(false);
    // Started again, the step sees the repository and leaves it as it is.
    const again = inPod(workspace, ['sh', '-c', script]);
    expect(again.stdout).toContain('workspace already cloned');
  });

  it('a pack cut short is refused by the write, a pack that is not one by the clone step', async () => {
    const workspace = podWorkspace();
    const short = uploadPack(
      async (command, input) =>
        inPod(
          workspace,
          command.map((arg, i) => (i === 4 ? String(Number(arg) + 10) : arg)),
          input,
        ),
      'a',
      Buffer.from('PACK-and-some-bytes'),
    );
    await expect(short).rejects.toMatchObject({ code: 'WORKSPACE_UPLOAD_FAILED', details: { agent: 'a' } });
    await uploadPack(async (command, input) => inPod(workspace, command, input), 'a', Buffer.from('not a pack'));
    const script = cloneScript({ remote: '', commit: 'a'.repeat(40), readOnly: false, upload: true });
    const cloned = inPod(workspace, ['sh', '-c', script]);
    expect(cloned.exitCode).not.toBe(0);
    expect(existsSync(path.join(workspace, '.git'))).toBe(false);
  });

  it('a checkout git cannot pack is WORKSPACE_UPLOAD_FAILED', async () => {
    const { dir, cleanup } = makeTempDir();
    cleanups.push(cleanup);
    await expect(packWorkspace(dir, 'a'.repeat(40), env)).rejects.toMatchObject({ code: 'WORKSPACE_UPLOAD_FAILED' });
  });
});
