import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitSync, makeRepository } from '../helpers/git-repo.js';
import { readTestEngines } from '../helpers/engines.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';

/**
 * The agent plays the attacker inside its container: it plants everything through which git (or
 * agentctl) could run code on the host or move the user's refs. Then the user does what a developer
 * does every day on the host — agentctl ls/start/stop/rm/prune, git status/log/checkout/diff/fetch
 * — and nothing planted runs, no ref the agent did not own moves, the user's git dir is unchanged.
 * One row per vector: a new vector is one line. `@MARK@` in a script is the vector's marker path on the
 * host (the payload creates it if it ever runs there); the container does not see the host's path.
 */
const VECTORS: ReadonlyArray<{ id: string; plant: string }> = [
  {
    id: 'user-refs',
    plant:
      'git branch -f main HEAD 2>/dev/null; git update-ref -d refs/heads/main; git update-ref refs/heads/user-branch HEAD; git tag -f v-user HEAD; git update-ref refs/remotes/origin/main HEAD; git commit -q --no-verify --allow-empty -m "agent commit"',
  },
  {
    id: 'hooks',
    plant:
      'mkdir -p .git/hooks && for h in post-checkout pre-commit post-commit post-merge post-rewrite reference-transaction pre-auto-gc post-index-change fsmonitor-watchman pre-upload pre-receive post-update; do printf "#!/bin/sh\\ntouch \'@MARK@\'\\n" > .git/hooks/$h; chmod +x .git/hooks/$h; done',
  },
  { id: 'core-fsmonitor', plant: `git config core.fsmonitor "touch '@MARK@'"` },
  {
    id: 'core-hooks-path',
    plant: `mkdir -p .agent-hooks && printf '#!/bin/sh\\ntouch "@MARK@"\\n' > .agent-hooks/post-checkout && chmod +x .agent-hooks/post-checkout && git config core.hooksPath "$PWD/.agent-hooks"`,
  },
  { id: 'alias', plant: `git config alias.st "!touch '@MARK@'" && git config alias.lg "!touch '@MARK@'"` },
  {
    id: 'pager',
    plant: `git config core.pager "touch '@MARK@'; cat" && git config pager.log "touch '@MARK@'; cat" && git config pager.status "touch '@MARK@'; cat"`,
  },
  { id: 'ssh-command', plant: `git config core.sshCommand "touch '@MARK@'"` },
  {
    id: 'filter',
    plant: `git config filter.evil.clean "touch '@MARK@'; cat" && git config filter.evil.smudge "touch '@MARK@'; cat" && git config filter.evil.process "touch '@MARK@'" && echo "* filter=evil" > .gitattributes`,
  },
  {
    id: 'diff-driver',
    plant: `git config diff.external "touch '@MARK@'" && git config diff.evil.textconv "touch '@MARK@'; cat" && mkdir -p .git/info && echo "* diff=evil filter=evil" > .git/info/attributes`,
  },
  {
    id: 'include',
    plant: `printf '[core]\\n\\tfsmonitor = touch "@MARK@"\\n' > evil-include.cfg && git config include.path "$PWD/evil-include.cfg" && git config "includeIf.gitdir:/.path" "$PWD/evil-include.cfg"`,
  },
  {
    id: 'worktree-config',
    plant: `git config extensions.worktreeConfig true && git config --worktree core.fsmonitor "touch '@MARK@'"`,
  },
  {
    id: 'upload-pack',
    plant: `git config uploadpack.packObjectsHook "touch '@MARK@'; " && git config core.alternateRefsCommand "touch '@MARK@'"`,
  },
  {
    id: 'credential',
    plant: `git config credential.helper "!touch '@MARK@'" && git config gpg.program "touch '@MARK@'" && git config core.editor "touch '@MARK@'"`,
  },
  {
    id: 'replace-git-dir',
    plant: 'rmdir .git 2>/dev/null; mv .git .git-moved 2>/dev/null; ln -sfn / .git 2>/dev/null; test -f .git/HEAD',
  },
];

const f = lifecycleFixture('contain');
const image = readTestEngines().debianImage;
const isRoot = process.getuid?.() === 0;
const OWNER = isRoot ? { uid: 1234, gid: 1234 } : { uid: process.getuid!(), gid: process.getgid!() };
let root = '';
let repo = '';
let worktreeDir = '';
const env = () => ({ AGENTCTL_WORKTREE_DIR: worktreeDir });
const agents = { checkout: f.agentName('checkout'), worktree: f.agentName('worktree') } as const;
const third = f.agentName('third');
/** Branches agents own (agent/NAME): they move with the agents' work; nothing else may. */
const agentBranches = [...Object.values(agents), third].map((name) => `refs/heads/agent/${name} `);
type Mode = keyof typeof agents;

function chownTree(path: string): void {
  if (!isRoot) return;
  chownSync(path, OWNER.uid, OWNER.gid);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry));
}

function marker(mode: Mode, id: string): string {
  return join(root, 'markers', `${mode}-${id}`);
}

/** Everything of the user's repository an agent must not change: config, hooks, info, and refs but the agents' own. */
function fingerprint(): string {
  const gitDir = join(repo, '.git');
  const files = [
    'config',
    'HEAD',
    'info/exclude',
    ...readdirSync(join(gitDir, 'hooks')).map((hook) => `hooks/${hook}`),
  ];
  const refs = gitSync(repo, 'for-each-ref', '--format=%(refname) %(objectname)')
    .split('\n')
    .filter((line) => !line.startsWith('refs/agentctl/') && !agentBranches.some((branch) => line.startsWith(branch)));
  const hash = createHash('sha256');
  for (const file of files)
    hash.update(`${file}\n`).update(existsSync(join(gitDir, file)) ? readFileSync(join(gitDir, file)) : 'absent');
  return `${hash.digest('hex')}\n${refs.join('\n')}`;
}

async function inContainer(name: string, script: string): Promise<string> {
  const result = await f.exec(`agentctl-${name}`, ['sh', '-c', script]);
  return result.output;
}

describe(`containment: nothing an agent writes runs on the host, on ${f.engineName}`, () => {
  let before = '';
  const outside = { file: '', dir: '' };

  beforeAll(async () => {
    root = f.workspace();
    repo = makeRepository(join(root, 'project'));
    worktreeDir = join(root, 'agentctl data', 'worktrees');
    mkdirSync(join(root, 'markers'));
    outside.file = join(root, 'outside-secret.txt');
    outside.dir = join(root, 'outside-dir');
    writeFileSync(outside.file, 'keep me\n');
    mkdirSync(outside.dir);
    writeFileSync(join(outside.dir, 'keep.txt'), 'keep me too\n');
    chownTree(root);
    before = fingerprint();
    // The first writer works in the checkout itself; the second gets its own worktree.
    for (const [mode, name] of Object.entries(agents)) {
      const started = await f.cli(
        [
          'start',
          name,
          '-d',
          '--json',
          '--image',
          image,
          ...(mode === 'worktree' ? ['--worktree'] : []),
          '--',
          'sleep',
          '600',
        ],
        { cwd: repo, env: env() },
      );
      expect(started.exitCode, started.stderr).toBe(0);
    }
  });
  afterAll(() => f.cleanUp());

  it('the user’s git dir is not in the container: /workspace/.git is the agent’s own repository', async () => {
    for (const name of Object.values(agents)) {
      const seen = await inContainer(
        name,
        'cd /workspace && git rev-parse --absolute-git-dir && git branch --show-current && cat .git/objects/info/alternates && (touch "$(cat .git/objects/info/alternates)/x" 2>&1 || true)',
      );
      expect(seen).toContain(`agent/${name}`);
      expect(seen).toContain(join(repo, '.git', 'objects'));
      expect(seen).toMatch(/Read-only file system/);
    }
  });

  it.each(VECTORS)('the agent plants $id', async ({ id, plant }) => {
    for (const [mode, name] of Object.entries(agents) as Array<[Mode, string]>) {
      await inContainer(name, `cd /workspace && ${plant.replaceAll('@MARK@', marker(mode, id))}`);
    }
  });

  it('the agent plants symbolic links to files outside its workspace', async () => {
    for (const name of Object.values(agents))
      await inContainer(
        name,
        `cd /workspace && ln -sf '${outside.file}' link-to-file && ln -sf '${outside.dir}' link-to-dir`,
      );
  });

  it('the user’s everyday commands run nothing planted, and no ref of the user’s moves', async () => {
    const commands: string[][] = [
      ['status'],
      ['log', '--oneline', '-3'],
      ['diff'],
      ['diff', '--stat', 'HEAD'],
      ['checkout', '-q', '-b', 'user-tmp'],
      ['checkout', '-q', 'main'],
      ['branch', '-D', 'user-tmp'],
      ['add', '-A', '--dry-run'],
    ];
    for (const args of commands) gitSync(repo, ...args);
    for (const args of [['ls'], ['ls', '--json'], ['ls', '--all']])
      expect((await f.cli(args, { cwd: repo, env: env() })).exitCode).toBe(0);
    // The agent's commit comes back through git objects: the branch moved in the user's repository.
    expect(gitSync(repo, 'log', '-1', '--format=%s', `agent/${agents.checkout}`)).toBe('agent commit');
    // A user fetching from an agent's repository by hand (git's safe direction). As root, the
    // repository (owned by the test's user) needs safe.directory in upload-pack's own config.
    gitSync(
      repo,
      'fetch',
      '-q',
      '--upload-pack',
      "git -c safe.directory='*' upload-pack",
      join(
        worktreeDir,
        readdirSync(worktreeDir).find((key) => !key.startsWith('.'))!,
        '.agents',
        agents.worktree,
        'repo.git',
      ),
      `agent/${agents.worktree}`,
    );
    gitSync(repo, 'log', '-1', 'FETCH_HEAD');
    // Another start in the same checkout, a stop, a restart.
    const started = await f.cli(['start', third, '-d', '--image', image, '--', 'sleep', '600'], {
      cwd: repo,
      env: env(),
    });
    expect(started.exitCode, started.stderr).toBe(0);
    expect((await f.cli(['stop', '-t', '0', agents.worktree, third], { env: env() })).exitCode).toBe(0);
    expect((await f.cli(['ls', '--all'], { cwd: repo, env: env() })).exitCode).toBe(0);
    for (const [mode] of Object.entries(agents) as Array<[Mode, string]>) {
      for (const { id } of VECTORS) expect(existsSync(marker(mode, id)), `${mode}: ${id} ran on the host`).toBe(false);
    }
    expect(fingerprint()).toBe(before);
    expect(readFileSync(join(repo, '.git', 'config'), 'utf8')).not.toMatch(/fsmonitor|alias|pager|filter|include/);
    expect((await f.cli(['rm', '--force', third], { env: env() })).exitCode).toBe(0);
  });

  it('rm and prune remove the agents’ state without following their links, and still run nothing', async () => {
    const removed = await f.cli(['rm', '--force', '--json', ...Object.values(agents)], { env: env() });
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect((await f.cli(['prune', '--force'], { cwd: repo, env: env() })).exitCode).toBe(0);
    expect(readFileSync(outside.file, 'utf8')).toBe('keep me\n');
    expect(readFileSync(join(outside.dir, 'keep.txt'), 'utf8')).toBe('keep me too\n');
    for (const [mode] of Object.entries(agents) as Array<[Mode, string]>) {
      for (const { id } of VECTORS) expect(existsSync(marker(mode, id)), `${mode}: ${id} ran on the host`).toBe(false);
    }
    gitSync(repo, 'status');
    gitSync(repo, 'fsck', '--no-progress');
    expect(fingerprint()).toBe(before);
    expect(gitSync(repo, 'for-each-ref', 'refs/agentctl')).toBe('');
  });
});
