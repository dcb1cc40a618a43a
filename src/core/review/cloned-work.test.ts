import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { GIT_TESTS, gitSync, makeRepository, makeTempDir } from '../../../test/helpers/git-repo.js';
import type { ContainerDetails } from '../../runtime/container-operations.js';
import type { ExecOptions } from '../../runtime/stream-operations.js';
import { isAgentctlError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import { createGitRunner } from '../worktree/git.js';
import type { ReviewDeps } from './agent-work.js';
import { applyAgent } from './apply-agent.js';
import { diffAgent } from './diff-agent.js';
import { mergeAgent } from './merge-agent.js';

// An agent in a clone of its own (Kubernetes), with real git: the "Pod" is a clone in a directory
// of its own, and the fake backend's exec runs the command agentctl sends with that directory as
// /workspace, framing stdout and stderr as the engines and the Kubernetes backend do.
const gitEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'User',
  GIT_AUTHOR_EMAIL: 'user@example.invalid',
  GIT_COMMITTER_NAME: 'User',
  GIT_COMMITTER_EMAIL: 'user@example.invalid',
};
const git = createGitRunner(gitEnv);
let cleanups: Array<() => void> = [];
afterEach(() => {
  cleanups.forEach((cleanup) => cleanup());
  cleanups = [];
});

function frame(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

interface Pod {
  root: string;
  /** The user's checkout. */
  repo: string;
  /** The agent's clone ("/workspace" in its Pod). */
  clone: string;
  deps: ReviewDeps;
  /** Every command agentctl ran in the Pod. */
  commands: string[][];
  state: { running: boolean; replace?: (stdout: Buffer) => Buffer };
}

async function pod(): Promise<Pod> {
  const { dir, cleanup } = makeTempDir();
  cleanups.push(cleanup);
  const root = realpathSync(dir);
  const repo = makeRepository(path.join(root, 'my repo'));
  writeFileSync(path.join(repo, 'shared.txt'), 'one\ntwo\nthree\n');
  gitSync(repo, 'add', 'shared.txt');
  gitSync(repo, 'commit', '-q', '-m', 'shared');
  const base = gitSync(repo, 'rev-parse', 'HEAD');
  const clone = path.join(root, 'pod workspace');
  gitSync(root, 'clone', '-q', repo, clone);
  const commands: string[][] = [];
  const state: Pod['state'] = { running: true };
  const execs = new Map<string, { exitCode: number | undefined }>();
  const labels: Record<string, string> = {
    [LABELS.managed]: 'true',
    [LABELS.agent]: 'k',
    [LABELS.workspace]: repo,
    [LABELS.branch]: 'main',
    [LABELS.base]: base,
  };
  const deps: ReviewDeps = {
    runtime: {
      capabilities: { bindMounts: false, pullsOnStart: true, cluster: true, rootlessUsers: 'none' },
      inspectContainer: async (name) =>
        name === 'agentctl-k'
          ? ({
              id: 'pod-k',
              name: 'k',
              labels,
              state: state.running ? 'running' : 'exited',
            } as unknown as ContainerDetails)
          : undefined,
      listContainers: async () => [],
      createExec: async (_id: string, options: ExecOptions) => {
        commands.push(options.command);
        const id = `exec-${execs.size}`;
        execs.set(id, { exitCode: undefined });
        return id;
      },
      startExec: async (execId: string) => {
        const command = commands[Number(execId.slice(5))]!;
        // /workspace is the clone's directory here.
        const args = command.map((arg) => (arg === '/workspace' ? clone : arg));
        const out = new PassThrough();
        const child = spawn(args[0]!, args.slice(1), { cwd: root, env: gitEnv });
        const stdout: Buffer[] = [];
        child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
        child.stderr.on('data', (chunk: Buffer) => out.write(frame(2, chunk)));
        child.on('close', (code) => {
          const data = Buffer.concat(stdout);
          out.end(frame(1, state.replace ? state.replace(data) : data));
          execs.get(execId)!.exitCode = code ?? -1;
        });
        return out as never;
      },
      inspectExec: async (execId: string) => ({ running: false, exitCode: execs.get(execId)!.exitCode }),
    },
    worktrees: { env: gitEnv, createGit: () => git },
  };
  return { root, repo, clone, deps, commands, state };
}

/** git as the agent runs it in its Pod, with an identity of its own. */
function agentGit(p: Pod, ...args: string[]): string {
  return gitSync(p.clone, '-c', 'user.name=Agent', '-c', 'user.email=agent@example.invalid', ...args);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe('review of an agent in a clone of its own (Kubernetes)', GIT_TESTS, () => {
  it("diff shows the agent's commits and uncommitted files, read in its Pod, and leaves the agent's index and refs alone", async () => {
    const p = await pod();
    writeFileSync(path.join(p.clone, 'feature.txt'), 'feature\n');
    agentGit(p, 'add', 'feature.txt');
    agentGit(p, 'commit', '-q', '-m', 'add feature');
    const head = agentGit(p, 'rev-parse', 'HEAD');
    writeFileSync(path.join(p.clone, 'shared.txt'), 'one\nTWO\nthree\n');
    writeFileSync(path.join(p.clone, 'notes.txt'), 'untracked\n');
    const staged = agentGit(p, 'status', '--porcelain');
    const refs = agentGit(p, 'for-each-ref');

    const diff = await diffAgent(p.deps, 'k', { patch: true });
    expect(diff.head).toBe(head);
    expect(diff.commits.map((commit) => commit.subject)).toEqual(['add feature']);
    expect(diff.files.map((file) => [file.path, file.status])).toEqual([
      ['feature.txt', 'A'],
      ['notes.txt', 'A'],
      ['shared.txt', 'M'],
    ]);
    expect(diff.uncommitted.map((file) => file.path)).toEqual(['notes.txt', 'shared.txt']);
    expect(diff.text).toContain('+TWO');
    // The agent's repository is as it was: no file staged, no ref made.
    expect(agentGit(p, 'status', '--porcelain')).toBe(staged);
    expect(agentGit(p, 'for-each-ref')).toBe(refs);
    // The user's repository holds the agent's HEAD and its files under hidden refs only.
    expect(gitSync(p.repo, 'rev-parse', 'refs/agentctl/k/head')).toBe(head);
    expect(gitSync(p.repo, 'for-each-ref', '--format=%(refname)', 'refs/heads')).toBe('refs/heads/main');
    // What the user has is named once (base and HEAD are one commit here): the pack leaves it out.
    expect(p.commands[0]!.slice(0, 2)).toEqual(['sh', '-c']);
    expect(p.commands[0]!.slice(4)).toEqual(['/workspace', diff.base]);
  });

  it('merge brings the commits into the checkout, apply the uncommitted files', async () => {
    const p = await pod();
    writeFileSync(path.join(p.clone, 'feature.txt'), 'feature\n');
    agentGit(p, 'add', 'feature.txt');
    agentGit(p, 'commit', '-q', '-m', 'add feature');
    writeFileSync(path.join(p.clone, 'wip.txt'), 'work in progress\n');
    const merged = await mergeAgent(p.deps, 'k', { cwd: p.repo, agentDirectories: [] });
    expect(merged.method).toBe('fast-forward');
    expect(merged.commits.map((commit) => commit.subject)).toEqual(['add feature']);
    expect(readFileSync(path.join(p.repo, 'feature.txt'), 'utf8')).toBe('feature\n');
    expect(existsSync(path.join(p.repo, 'wip.txt'))).toBe(false);
    const applied = await applyAgent(p.deps, 'k', { cwd: p.repo, agentDirectories: [] });
    expect(applied.applied).toBe(true);
    expect(applied.files.map((file) => file.path)).toEqual(['wip.txt']);
    expect(readFileSync(path.join(p.repo, 'wip.txt'), 'utf8')).toBe('work in progress\n');
    expect(gitSync(p.repo, 'status', '--porcelain')).toBe('?? wip.txt');
  });

  it('a nested repository in the clone is left out and named', async () => {
    const p = await pod();
    const nested = path.join(p.clone, 'vendor', 'lib');
    mkdirSync(nested, { recursive: true });
    gitSync(nested, 'init', '-q');
    writeFileSync(path.join(nested, 'x.txt'), 'x\n');
    gitSync(nested, 'add', 'x.txt');
    gitSync(nested, 'commit', '-q', '-m', 'x');
    writeFileSync(path.join(p.clone, 'own.txt'), 'own\n');
    const diff = await diffAgent(p.deps, 'k');
    expect(diff.skipped).toEqual(['vendor/lib']);
    expect(diff.files.map((file) => file.path)).toEqual(['own.txt']);
  });

  it('a pack that is not what it claims is refused, and no ref is moved', async () => {
    const p = await pod();
    writeFileSync(path.join(p.clone, 'feature.txt'), 'feature\n');
    p.state.replace = (pack) => Buffer.concat([pack.subarray(0, 40), Buffer.alloc(pack.length - 40, 0x41)]);
    const error = await caught(diffAgent(p.deps, 'k'));
    expect(isAgentctlError(error) && [error.code, error.kind]).toEqual(['GIT_FAILED', 'conflict']);
    expect(gitSync(p.repo, 'for-each-ref', '--format=%(refname)', 'refs/agentctl')).toBe('');
  });

  it('an export that fails in the Pod (its workspace gone) is AGENT_WORK_UNREADABLE; a stopped agent is refused', async () => {
    const p = await pod();
    const createExec = p.deps.runtime.createExec;
    p.deps.runtime.createExec = (id, options) =>
      createExec(id, { ...options, command: options.command.map((arg) => (arg === '/workspace' ? '/nowhere' : arg)) });
    const error = await caught(diffAgent(p.deps, 'k'));
    expect(isAgentctlError(error) && error.code).toBe('AGENT_WORK_UNREADABLE');
    expect((error as Error).message).toMatch(/exit 2/);
    p.state.running = false;
    const stopped = await caught(diffAgent(p.deps, 'k'));
    expect(isAgentctlError(stopped) && stopped.code).toBe('AGENT_NOT_RUNNING');
  });
});
