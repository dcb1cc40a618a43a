import { chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFakeAgentImages, removeFakeAgentImages } from '../helpers/fake-agents.js';
import { readTestEngines } from '../helpers/engines.js';
import { gitSync, makeRepository } from '../helpers/git-repo.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';

// Headless runs of the built-in profiles with fake agent CLIs (test/helpers/fake-agents.ts): the
// agent's own result in `run --json`, and `--require-changes`.
const f = lifecycleFixture('agentrun');
const suffix = f.agentName('x').split('-').pop()!;
const repository = `agentctl-test/fake-agent-run-${suffix}`;
const TAG = '1.0.0';
const isRoot = process.getuid?.() === 0;
// As in run.test.ts: as root, a repository owned by a user the image does not know.
const OWNER = isRoot ? { uid: 1234, gid: 1234 } : { uid: process.getuid!(), gid: process.getgid!() };
let images: string[] = [];
let root = '';
let repo = '';
let configHome = '';

function chownTree(path: string): void {
  if (!isRoot) return;
  chownSync(path, OWNER.uid, OWNER.gid);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry));
}

const env = () => ({
  AGENTCTL_IMAGE_REPOSITORY: repository,
  AGENTCTL_IMAGE_TAG: TAG,
  XDG_CONFIG_HOME: configHome,
  XDG_DATA_HOME: join(root, 'data'),
  AGENTCTL_WORKTREE_DIR: join(root, 'worktrees'),
});

// Tasks only: the profiles (and their taskCommand) are the built-in ones.
const TASKS = `tasks:
  fix: { agent: claude, prompt: "commit the fix" }
  look: { agent: claude, prompt: "only look around" }
  draft: { agent: claude, prompt: "write a draft only" }
  broken: { agent: claude, prompt: "print a malformed result" }
  failing: { agent: claude, prompt: "fail and change nothing" }
  codex-fix: { agent: codex, prompt: "commit it" }
`;

function run(args: string[], cwd = repo) {
  return f.cli(['run', '--json', '--worktree', '--rm', ...args], { cwd, env: env() });
}

describe(`agent results of run on ${f.engineName}`, () => {
  beforeAll(async () => {
    images = await buildFakeAgentImages(f.docker, readTestEngines().debianImage, repository, TAG);
    root = f.workspace();
    configHome = join(root, 'config');
    mkdirSync(join(configHome, 'agentctl'), { recursive: true });
    writeFileSync(join(configHome, 'agentctl', 'config.yaml'), TASKS);
    repo = makeRepository(join(root, 'repo'));
    chownTree(repo);
  }, 300_000);
  afterAll(async () => {
    await f.cleanUp();
    await removeFakeAgentImages(f.docker, images);
  });

  it("run --task on the built-in claude profile: its taskCommand, and Claude Code's result as agentResult and sessionId", async () => {
    const result = await run(['--task', 'fix']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const fresh = /claude: fresh session ([0-9a-f-]{36})/.exec(result.stderr);
    expect(fresh, result.stderr).not.toBeNull();
    expect(result.json).toMatchObject({
      ok: true,
      exitCode: 0,
      sessionId: fresh![1],
      agentResult: {
        type: 'result',
        is_error: false,
        result: 'done: claude',
        num_turns: 3,
        duration_ms: 1234,
        total_cost_usd: 0.0123,
        session_id: fresh![1],
      },
    });
    expect(result.json.worktree.commits).toHaveLength(1);
    // The prompt went through the profile's headless command.
    expect(result.stderr).toContain('claude worked on: commit the fix');
  });

  it('codex exec --json: the last JSON line is the result, an earlier line may name the session', async () => {
    const result = await run(['--task', 'codex-fix']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.json.agentResult.result).toBe('done: codex');
    expect(result.json.image.reference).toBe(`${repository}-codex:${TAG}`);
  });

  it('a malformed result or none leaves agentResult and sessionId out and never fails the run', async () => {
    const broken = await run(['--task', 'broken']);
    expect(broken.exitCode, broken.stdout + broken.stderr).toBe(0);
    expect(broken.json.ok).toBe(true);
    expect(broken.json).not.toHaveProperty('agentResult');
    expect(broken.json).not.toHaveProperty('sessionId');
    const plain = await run(['--', 'sh', '-c', 'echo no json here']);
    expect(plain.exitCode, plain.stdout + plain.stderr).toBe(0);
    expect(plain.json).not.toHaveProperty('agentResult');
  });

  it('--require-changes fails a run that exited 0 having changed nothing with RUN_NO_CHANGES, exit 13', async () => {
    const result = await run(['--task', 'look', '--require-changes']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(13);
    expect(result.json).toMatchObject({
      ok: false,
      exitCode: 0,
      error: { code: 'RUN_NO_CHANGES' },
      worktree: { commits: [], uncommitted: [] },
      agentResult: { result: 'done: claude' },
    });
    // Without --json: the error and its hint on stderr, the same exit code.
    const human = await f.cli(['run', '--worktree', '--rm', '--task', 'look', '--require-changes'], {
      cwd: repo,
      env: env(),
    });
    expect(human.exitCode).toBe(13);
    expect(human.stderr).toMatch(/error: Agent .* exited 0 but changed nothing/);
    expect(human.stderr).toContain('hint:');
  });

  it('--require-changes passes a commit or an uncommitted file, and keeps the exit code of a failed agent', async () => {
    const committed = await run(['--task', 'fix', '--require-changes']);
    expect(committed.exitCode, committed.stdout + committed.stderr).toBe(0);
    const drafted = await run(['--task', 'draft', '--require-changes']);
    expect(drafted.exitCode, drafted.stdout + drafted.stderr).toBe(0);
    expect(drafted.json.worktree.uncommitted).toEqual(['draft.txt']);
    const failed = await run(['--task', 'failing', '--require-changes']);
    expect(failed.exitCode, failed.stdout + failed.stderr).toBe(4);
    expect(failed.json.error).toBeUndefined();
  });

  it('--require-changes on a directory that is no git checkout is refused before anything is created', async () => {
    const plain = f.workspace();
    const name = f.agentName('nogit');
    const result = await f.cli(['run', name, '--json', '--require-changes', '--task', 'fix'], {
      cwd: plain,
      env: env(),
    });
    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    expect(result.json.error.code).toBe('REQUIRE_CHANGES_NEEDS_GIT');
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
    expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
    expect(gitSync(repo, 'status', '--porcelain')).toBe('');
  });
});
