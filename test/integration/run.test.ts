import { chownSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitSync, makeRepository } from '../helpers/git-repo.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { readTestEngines } from '../helpers/engines.js';
import { BIN } from '../helpers/run-cli.js';

const f = lifecycleFixture('run');
const debian = readTestEngines().debianImage;
// The tests run as root; agentctl runs the agent (and git) as the workspace's owner. A repository
// owned by 1234 (unknown to the image) makes the agent write as that user.
const isRoot = process.getuid?.() === 0;
const OWNER = isRoot ? { uid: 1234, gid: 1234 } : { uid: process.getuid!(), gid: process.getgid!() };
let root = '';
let repo = '';
// agentctl's data directory (run logs) lies outside every workspace: a workspace holding it is refused.
let dataRoot = '';
const env = () => ({ AGENTCTL_WORKTREE_DIR: join(root, 'worktrees'), XDG_DATA_HOME: join(dataRoot, 'data') });

// The test agent: prints on both streams, commits a file, and exits 3.
const AGENT_SCRIPT = `set -e
echo out-1
echo err-1 >&2
echo out-2
echo "made by $AGENTCTL_AGENT" > result.txt
git add result.txt
git commit -q -m "add result of $AGENTCTL_AGENT"
echo err-2 >&2
echo out-3
exit 3
`;

function chownTree(path: string): void {
  if (!isRoot) return;
  chownSync(path, OWNER.uid, OWNER.gid);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry));
}

function branchExists(branch: string): boolean {
  return gitSync(repo, 'branch', '--list', branch) !== '';
}

describe(`agentctl run on ${f.engineName}`, () => {
  beforeAll(() => {
    root = f.workspace();
    dataRoot = f.workspace();
    repo = makeRepository(join(root, 'repo'));
    writeFileSync(join(repo, 'agent.sh'), AGENT_SCRIPT);
    gitSync(repo, 'add', 'agent.sh');
    gitSync(repo, 'commit', '-q', '-m', 'add the test agent');
    chownTree(root);
  });
  afterAll(() => f.cleanUp());

  it('run --worktree --rm streams the output in order, exits 3, reports the commit and keeps the branch', async () => {
    const name = f.agentName('commit');
    const resultFile = join(root, `${name}.json`);
    const result = await f.cli(
      ['run', name, '--worktree', '--rm', '--image', debian, '--result-file', resultFile, '--', 'sh', 'agent.sh'],
      { cwd: repo, env: env() },
    );
    expect(result.exitCode, result.stderr).toBe(3);
    expect(result.stdout).toBe('out-1\nout-2\nout-3');
    expect(result.stderr.indexOf('err-1')).toBeGreaterThanOrEqual(0);
    expect(result.stderr.indexOf('err-2')).toBeGreaterThan(result.stderr.indexOf('err-1'));
    expect(result.stderr).not.toContain('out-');

    const report = JSON.parse(readFileSync(resultFile, 'utf8'));
    const base = gitSync(repo, 'rev-parse', 'main');
    expect(report).toMatchObject({
      ok: false,
      agent: name,
      exitCode: 3,
      removed: true,
      workspace: repo,
      image: { reference: debian },
    });
    expect(report.image.digest).toMatch(/^sha256:/);
    expect(report.durationMs).toBeGreaterThan(0);
    expect(report.worktree).toMatchObject({
      branch: `agent/${name}`,
      base,
      changedFiles: ['result.txt'],
      uncommitted: [],
    });
    expect(report.worktree.commits).toEqual([
      { hash: gitSync(repo, 'rev-parse', `agent/${name}`), subject: `add result of ${name}` },
    ]);
    // The full log holds both streams.
    const log = readFileSync(report.logFile, 'utf8');
    for (const line of ['out-1', 'err-1', 'out-2', 'err-2', 'out-3']) expect(log).toContain(line);

    // --rm: container, volume and worktree directory gone; the branch with the commit stays.
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
    expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
    expect(branchExists(`agent/${name}`)).toBe(true);
    expect(gitSync(repo, 'show', `agent/${name}:result.txt`)).toBe(`made by ${name}`);
    expect(gitSync(repo, 'worktree', 'list')).not.toContain(name);
    expect(gitSync(repo, 'status', '--porcelain')).toBe('');
  });

  it('--rm deletes an empty branch with its worktree, and keeps a worktree holding uncommitted files', async () => {
    const [empty, dirty] = [f.agentName('empty'), f.agentName('dirty')];
    const results = await Promise.all([
      f.cli(['run', empty, '--json', '--worktree', '--rm', '--image', debian, '--', 'true'], { cwd: repo, env: env() }),
      f.cli(
        ['run', dirty, '--json', '--worktree', '--rm', '--image', debian, '--', 'sh', '-c', 'echo draft > draft.txt'],
        { cwd: repo, env: env() },
      ),
    ]);
    for (const result of results) expect(result.exitCode, result.stderr).toBe(0);
    const [emptyResult, dirtyResult] = results.map((result) => result.json);
    expect(emptyResult.worktree).toMatchObject({
      branch: `agent/${empty}`,
      commits: [],
      changedFiles: [],
      uncommitted: [],
    });
    expect(emptyResult.worktree.path).toBeUndefined();
    expect(branchExists(`agent/${empty}`)).toBe(false);
    expect(dirtyResult.worktree).toMatchObject({ branch: `agent/${dirty}`, commits: [], uncommitted: ['draft.txt'] });
    expect(readFileSync(join(dirtyResult.worktree.path, 'draft.txt'), 'utf8')).toBe('draft\n');
    expect(branchExists(`agent/${dirty}`)).toBe(true);
    expect(await f.containerExists(`agentctl-${dirty}`)).toBe(false);
  });

  it('--json prints one result document; the agent output goes to stderr, secrets masked there and in the log', async () => {
    const name = f.agentName('json');
    const token = `run-token-${name}`;
    const script = 'echo to-stdout; echo to-stderr >&2; echo "token=$(cat "$RUN_TOKEN_FILE")"';
    const result = await f.cli(
      ['run', name, '--json', '--rm', '--secret', 'RUN_TOKEN', '--image', f.image, '--', 'sh', '-c', script],
      { cwd: root, env: { ...env(), RUN_TOKEN: token } },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json).toMatchObject({ ok: true, agent: name, exitCode: 0, removed: true });
    expect(result.json.worktree).toBeUndefined();
    expect(result.stderr).toContain('to-stdout');
    expect(result.stderr).toContain('to-stderr');
    expect(result.stderr).toContain('token=');
    const log = readFileSync(result.json.logFile, 'utf8');
    expect(log).toContain('token=');
    for (const text of [result.stdout, result.stderr, log]) expect(text).not.toContain(token);
  });

  it('--timeout stops a sleeping agent: exit 124, one JSON document, nothing left with --rm', async () => {
    const name = f.agentName('timeout');
    const result = await f.cli(
      [
        'run',
        name,
        '--json',
        '--rm',
        '--timeout',
        '2s',
        '--stop-timeout',
        '1',
        '--image',
        f.image,
        '--',
        'sleep',
        '600',
      ],
      { cwd: root, env: env() },
    );
    expect(result.exitCode, result.stderr).toBe(124);
    expect(result.json).toMatchObject({ ok: false, agent: name, stoppedBy: 'timeout', error: { code: 'RUN_TIMEOUT' } });
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
    expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
  });

  it('SIGTERM to agentctl run stops the agent and exits 143, leaving nothing with --rm', async () => {
    const name = f.agentName('sigterm');
    const child = execa(
      process.execPath,
      [
        BIN,
        '--host',
        f.host,
        'run',
        name,
        '--rm',
        '--image',
        f.image,
        '--',
        'sh',
        '-c',
        'echo started; exec sleep 600',
      ],
      {
        cwd: root,
        env: { ...process.env, ...env(), NO_COLOR: '1' },
        reject: false,
        buffer: true,
      },
    );
    // Wait until the agent printed (it then runs), then stop agentctl as a CI runner would.
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('started')) resolve();
      });
    });
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(143);
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
    expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
  });

  it('five runs at once on one repository: five results, five branches', async () => {
    const names = ['a', 'b', 'c', 'd', 'e'].map((label) => f.agentName(`five-${label}`));
    const results = await Promise.all(
      names.map((name) =>
        f.cli(['run', name, '--json', '--rm', '--worktree', '--image', debian, '--', 'sh', 'agent.sh'], {
          cwd: repo,
          env: env(),
        }),
      ),
    );
    for (const [index, result] of results.entries()) {
      expect(result.exitCode, result.stderr).toBe(3);
      expect(result.json.worktree.commits).toHaveLength(1);
      expect(result.json.worktree.branch).toBe(`agent/${names[index]}`);
      expect(gitSync(repo, 'show', `agent/${names[index]}:result.txt`)).toBe(`made by ${names[index]}`);
    }
    expect(new Set(results.map((result) => result.json.worktree.commits[0].hash)).size).toBe(5);
    gitSync(repo, 'fsck', '--no-progress');
  });

  it('a task hands its input over as a file, never on the command line', async () => {
    const dir = join(root, 'task');
    makeRepository(dir);
    writeFileSync(
      join(dir, '.agentctlrc.json'),
      JSON.stringify({
        agents: { shell: { image: f.image, taskCommand: ['sh', '-c', '{prompt}'] } },
        tasks: {
          'show-input': { agent: 'shell', prompt: 'echo "task=$AGENTCTL_TASK file=$AGENTCTL_INPUT_FILE"; cat {input}' },
        },
      }),
    );
    // Agent profiles and tasks in a project file apply once the user approved that file.
    const untrusted = await f.cli(['run', '--task', 'show-input'], { cwd: dir, env: env() });
    expect(untrusted.exitCode).toBe(11);
    expect((await f.cli(['trust'], { cwd: dir, env: env() })).exitCode).toBe(0);
    const input = join(root, 'issue.md');
    writeFileSync(input, 'secret-free issue text\nline two\n');
    chownTree(dir);
    const name = f.agentName('task');
    const result = await f.cli(['run', name, '--rm', '--no-worktree', '--task', 'show-input', '--input', input], {
      cwd: dir,
      env: env(),
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('task=show-input file=/run/agentctl/input\nsecret-free issue text\nline two');
    const unknown = await f.cli(['run', '--task', 'nope'], { cwd: dir, env: env() });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('show-input');
  });
});
