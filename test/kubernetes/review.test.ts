import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterSuite } from '../helpers/cluster.js';

// diff, merge and apply of an agent that works in a clone inside the cluster: its work is packed
// by git in its Pod and brought into the user's repository as objects and hidden refs.
const { fixture, repo, cli, image } = clusterSuite('review', { 'README.md': '# project\n', 'app.txt': 'one\n' });
const small = ['--cpus', '0.05', '--memory', '48m'];
const agentGit = 'git -c user.name=Agent -c user.email=agent@example.invalid';
const gitEnv = {
  GIT_AUTHOR_NAME: 'User',
  GIT_AUTHOR_EMAIL: 'user@example.invalid',
  GIT_COMMITTER_NAME: 'User',
  GIT_COMMITTER_EMAIL: 'user@example.invalid',
};

describe('the Kubernetes backend: reviewing an agent’s work', () => {
  it('diff, merge and apply bring back the commits and files of an agent in its Pod, without a shared remote', async () => {
    const name = 'reviewer';
    expect((await cli(['start', '--detach', name, '--image', image, ...small])).exitCode).toBe(0);
    const work = await cli([
      'exec',
      name,
      '--',
      'sh',
      '-c',
      `cd /workspace && echo feature > feature.txt && git add feature.txt && ${agentGit} commit -q -m "add feature" && git rev-parse HEAD && echo two >> app.txt && echo draft > notes.txt`,
    ]);
    expect(work.exitCode, work.stderr).toBe(0);
    const head = work.stdout.trim();
    // Nothing was pushed: the remote does not have the agent's commit.
    const remote = await execa('git', ['-C', repo.checkout, 'ls-remote', 'origin', 'refs/heads/main']);
    expect(remote.stdout.split('\t')[0]).toBe(repo.commit);

    const diff = await cli(['diff', name, '--json']);
    expect(diff.exitCode, diff.stderr).toBe(0);
    expect(diff.json).toMatchObject({ ok: true, agent: name, branch: 'main', base: repo.commit, head });
    expect(diff.json.commits.map((commit: { subject: string }) => commit.subject)).toEqual(['add feature']);
    expect(diff.json.files.map((file: { path: string; status: string }) => `${file.status} ${file.path}`)).toEqual([
      'M app.txt',
      'A feature.txt',
      'A notes.txt',
    ]);
    expect(diff.json.uncommitted.map((file: { path: string }) => file.path)).toEqual(['app.txt', 'notes.txt']);
    const patch = await cli(['diff', name]);
    expect(patch.exitCode, patch.stderr).toBe(0);
    expect(patch.stdout).toContain('+two');
    expect(patch.stderr).toContain('3 file(s) changed on main: 1 commit(s), 2 file(s) not committed');
    // The agent's own repository is left as it was: nothing staged by agentctl, no ref made.
    const status = await cli(['exec', name, '--', 'git', '-C', '/workspace', 'status', '--porcelain']);
    expect(status.stdout.replace(/\r/g, '').trimEnd().split('\n')).toEqual([' M app.txt', '?? notes.txt']);

    const merged = await cli(['merge', name, '--json']);
    expect(merged.exitCode, merged.stderr).toBe(0);
    expect(merged.json).toMatchObject({ ok: true, method: 'fast-forward', head, into: 'main' });
    expect(readFileSync(join(repo.checkout, 'feature.txt'), 'utf8')).toBe('feature\n');
    expect(existsSync(join(repo.checkout, 'notes.txt'))).toBe(false);
    const applied = await cli(['apply', name, '--json']);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.json.files.map((file: { path: string }) => file.path)).toEqual(['app.txt', 'notes.txt']);
    expect(readFileSync(join(repo.checkout, 'app.txt'), 'utf8')).toBe('one\ntwo\n');
    expect(readFileSync(join(repo.checkout, 'notes.txt'), 'utf8')).toBe('draft\n');
    const local = await execa('git', ['-C', repo.checkout, 'status', '--porcelain']);
    expect(local.stdout.split('\n')).toEqual([' M app.txt', '?? notes.txt']);

    // A stopped agent has no Pod to read its work in: refused with the way out.
    expect((await cli(['stop', '--timeout', '1', name])).exitCode).toBe(0);
    const stopped = await cli(['diff', name, '--json']);
    expect(stopped.exitCode).toBe(8);
    expect(stopped.json.error).toMatchObject({
      code: 'AGENT_NOT_RUNNING',
      hint: expect.stringContaining('agentctl start'),
    });
    expect((await cli(['rm', '--force', '--volumes', name])).exitCode).toBe(0);
    expect(await fixture.leftovers()).toEqual([]);
  });

  it('nothing deletes a clone that may hold work: prune and rm --volumes refuse (exit 9), rm keeps the claim, and a new start finds the clone', async () => {
    const name = 'keeper';
    // A checkout of its own: the first test merged an unpushed commit into the suite's.
    const own = { cwd: (await fixture.repository()).checkout };
    expect((await cli(['start', '--detach', name, '--image', image, ...small], own)).exitCode).toBe(0);
    const work = await cli(
      [
        'exec',
        name,
        '--',
        'sh',
        '-c',
        `cd /workspace && echo kept > kept.txt && git add kept.txt && ${agentGit} commit -q -m "not pushed" && git rev-parse HEAD`,
      ],
      own,
    );
    expect(work.exitCode, work.stderr).toBe(0);
    const head = work.stdout.trim();
    expect((await cli(['stop', '--timeout', '1', name], own)).exitCode).toBe(0);
    const pruned = await cli(['prune', '--json'], own);
    expect(pruned.exitCode, pruned.stdout).toBe(9);
    expect(pruned.json.error).toMatchObject({
      code: 'PRUNE_CLONES_MAY_HOLD_WORK',
      details: { kept: [{ agent: name, volume: `agentctl-${name}-home` }] },
    });
    const text = await cli(['prune'], own);
    expect(text.exitCode).toBe(9);
    expect(text.stderr).toContain(
      `kept claim agentctl-${name}-home of agent ${name}: its workspace clone may hold work`,
    );
    const volumes = await cli(['rm', '--volumes', name, '--json'], own);
    expect(volumes.exitCode).toBe(9);
    expect(volumes.json.error).toMatchObject({ code: 'AGENT_CLONE_MAY_HOLD_WORK', details: { agents: [name] } });
    // rm alone keeps the claim; prune keeps it too (an orphan clone), and a new start uses it again.
    expect((await cli(['rm', name], own)).exitCode).toBe(0);
    const orphan = await cli(['prune', '--json'], own);
    expect(orphan.exitCode).toBe(9);
    expect(orphan.json.error.details.kept).toEqual([
      { agent: name, volume: `agentctl-${name}-home`, reason: expect.stringContaining('removed agent') },
    ]);
    expect((await cli(['start', '--detach', name, '--image', image, ...small], own)).exitCode).toBe(0);
    const diff = await cli(['diff', name, '--json'], own);
    expect(diff.exitCode, diff.stderr).toBe(0);
    expect(diff.json).toMatchObject({ head, commits: [{ subject: 'not pushed' }] });
    // rm --force --volumes of the running agent keeps its last work in the checkout's repository first.
    const last = await cli(
      [
        'exec',
        name,
        '--',
        'sh',
        '-c',
        `cd /workspace && ${agentGit} commit -q --allow-empty -m last && git rev-parse HEAD`,
      ],
      own,
    );
    expect(last.exitCode, last.stderr).toBe(0);
    const removed = await cli(['rm', '--force', '--volumes', name, '--json'], own);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(removed.json.removed).toEqual([
      {
        name,
        volume: `agentctl-${name}-home`,
        savedWork: { ref: `refs/agentctl/${name}/work`, commit: expect.stringMatching(/^[0-9a-f]{40}$/) },
      },
    ]);
    const kept = await execa('git', ['-C', own.cwd, 'rev-parse', `refs/agentctl/${name}/work^`]);
    expect(kept.stdout.trim()).toBe(last.stdout.trim());
    expect(await fixture.leftovers()).toEqual([]);
  });

  it('kubernetes.workspace upload: a checkout with no remote gets its commit and history through the API, and its work comes back', async () => {
    const checkout = fixture.tempDir();
    const git = (...args: string[]) => execa('git', ['-C', checkout, ...args], { env: gitEnv });
    await git('init', '-q', '-b', 'main');
    writeFileSync(join(checkout, 'first.txt'), 'first\n');
    await git('add', 'first.txt');
    await git('commit', '-q', '-m', 'first');
    writeFileSync(join(checkout, 'second.txt'), 'second\n');
    await git('add', 'second.txt');
    await git('commit', '-q', '-m', 'second');
    const commit = (await git('rev-parse', 'HEAD')).stdout.trim();
    const here = { cwd: checkout };
    // A clone (the default) needs a remote, and the refusal names the other way.
    const refused = await cli(['start', 'nowhere', '--image', image, ...small, '--json'], here);
    expect(refused.exitCode).toBe(2);
    expect(refused.json.error).toMatchObject({
      code: 'WORKSPACE_NO_REMOTE',
      hint: expect.stringContaining('kubernetes.workspace'),
    });
    expect(await fixture.leftovers()).toEqual([]);

    const config = fixture.tempDir();
    mkdirSync(join(config, 'agentctl'));
    writeFileSync(join(config, 'agentctl', 'config.json'), JSON.stringify({ kubernetes: { workspace: 'upload' } }));
    const upload = { cwd: checkout, env: { XDG_CONFIG_HOME: config } };
    const name = 'uploader';
    const started = await cli(['start', '--detach', name, '--image', image, ...small], upload);
    expect(started.exitCode, started.stderr).toBe(0);
    const inside = await cli(
      [
        'exec',
        name,
        '--',
        'sh',
        '-c',
        'cd /workspace && git rev-parse HEAD && git rev-parse --abbrev-ref HEAD && git log --format=%s && ls -A && git status --porcelain',
      ],
      upload,
    );
    expect(inside.exitCode, inside.stderr).toBe(0);
    expect(inside.stdout.replace(/\r/g, '').trim().split('\n')).toEqual([
      commit,
      'main',
      'second',
      'first',
      '.git',
      'first.txt',
      'second.txt',
    ]);
    const work = await cli(
      [
        'exec',
        name,
        '--',
        'sh',
        '-c',
        `cd /workspace && echo third > third.txt && git add third.txt && ${agentGit} commit -q -m third`,
      ],
      upload,
    );
    expect(work.exitCode, work.stderr).toBe(0);
    // Stopped and started again, the clone on its claim is kept: nothing is uploaded over it.
    expect((await cli(['stop', '--timeout', '1', name], upload)).exitCode).toBe(0);
    expect((await cli(['start', '--detach', name], upload)).exitCode).toBe(0);
    const diff = await cli(['diff', name, '--json'], upload);
    expect(diff.exitCode, diff.stderr).toBe(0);
    expect(diff.json).toMatchObject({ base: commit, commits: [{ subject: 'third' }], files: [{ path: 'third.txt' }] });
    const merged = await cli(['merge', name, '--json'], upload);
    expect(merged.exitCode, merged.stderr).toBe(0);
    expect(readFileSync(join(checkout, 'third.txt'), 'utf8')).toBe('third\n');
    expect((await cli(['rm', '--force', '--volumes', name], upload)).exitCode).toBe(0);
    expect(await fixture.leftovers()).toEqual([]);
  });
});
