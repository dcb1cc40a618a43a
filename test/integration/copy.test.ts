import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

/**
 * `agentctl cp` both ways against a running agent. The workspace belongs to a regular user (1234
 * when the tests run as root), so the agent runs as that user: files copied in must be theirs.
 */
const f = lifecycleFixture('cp');
const isRoot = process.getuid?.() === 0;
const OWNER = isRoot ? { uid: 1234, gid: 1234 } : { uid: process.getuid!(), gid: process.getgid!() };
const name = f.agentName('agent');
let root = '';
let secret = '';

async function inAgent(script: string): Promise<string> {
  const result = await f.exec(`agentctl-${name}`, ['sh', '-c', script]);
  expect(result.exitCode, result.output).toBe(0);
  return result.output;
}

describe(`agentctl cp on ${f.engineName}`, () => {
  beforeAll(async () => {
    root = f.workspace();
    const workspace = join(root, 'workspace');
    mkdirSync(workspace);
    if (isRoot) chownSync(workspace, OWNER.uid, OWNER.gid);
    secret = join(root, 'host-secret.txt');
    writeFileSync(secret, 'HOST SECRET\n');
    const started = await f.cli(['start', name, '-d', '--image', f.image, '--', 'sleep', '600'], { cwd: workspace });
    expect(started.exitCode, started.stderr).toBe(0);
  });
  afterAll(() => f.cleanUp());

  it('out of the agent: a tree with links pointing outside arrives with the links as links, nothing followed', async () => {
    await inAgent(
      `cd /workspace && mkdir -p tree/sub && echo a > tree/a.txt && chmod 4755 tree/a.txt && echo b > tree/sub/b.txt && ln -s '${secret}' tree/abs-out && ln -s ../../../.. tree/sub/rel-out && mkfifo tree/pipe`,
    );
    const out = join(root, 'out');
    mkdirSync(out);
    const copied = await f.cli(['cp', '--json', `${name}:tree`, out]);
    expect(copied.exitCode, copied.stdout).toBe(0);
    expect(copied.json).toMatchObject({
      ok: true,
      direction: 'from-agent',
      destination: join(out, 'tree'),
      files: 2,
      directories: 2,
      links: 2,
      skipped: ['tree/pipe'],
    });
    expect(readFileSync(join(out, 'tree', 'sub', 'b.txt'), 'utf8')).toBe('b\n');
    expect(readlinkSync(join(out, 'tree', 'abs-out'))).toBe(secret);
    expect(readlinkSync(join(out, 'tree', 'sub', 'rel-out'))).toBe('../../../..');
    // The setuid bit does not come along; the file is agentctl's user's (root's here), not the agent's.
    expect(statSync(join(out, 'tree', 'a.txt')).mode & 0o7777).toBe(0o755);
    expect(existsSync(join(out, 'tree', 'pipe'))).toBe(false);
    expect(readdirSync(out)).toEqual(['tree']);

    const contents = join(root, 'contents');
    expect((await f.cli(['cp', `${name}:/workspace/tree/.`, contents])).exitCode).toBe(0);
    expect(readdirSync(contents).sort()).toEqual(['a.txt', 'abs-out', 'sub']);
    const single = await f.cli(['cp', `${name}:tree/sub/b.txt`, join(root, 'b-copy.txt')]);
    expect(single.exitCode, single.stderr).toBe(0);
    expect(readFileSync(join(root, 'b-copy.txt'), 'utf8')).toBe('b\n');
  });

  it('a link the agent planted in an earlier copy is never written through: the copy is refused, nothing changes', async () => {
    const victim = join(root, 'victim');
    mkdirSync(victim);
    await inAgent(`cd /workspace && mkdir -p trap && ln -s '${victim}' trap/sub`);
    const out = join(root, 'trap-out');
    mkdirSync(out);
    expect((await f.cli(['cp', `${name}:trap`, out])).exitCode).toBe(0);
    expect(lstatSync(join(out, 'trap', 'sub')).isSymbolicLink()).toBe(true);
    // The agent swaps the link for a directory of the same name and asks to be copied again.
    await inAgent(
      'cd /workspace && rm trap/sub && mkdir trap/sub && echo owned > trap/sub/planted.txt && echo new > trap/new.txt',
    );
    const again = await f.cli(['cp', '--json', `${name}:trap`, out]);
    expect(again.exitCode).toBe(8);
    expect(again.json.error).toMatchObject({ code: 'CP_DESTINATION_LINK' });
    expect(readdirSync(victim)).toEqual([]);
    expect(existsSync(join(out, 'trap', 'new.txt'))).toBe(false);
    expect(readdirSync(out)).toEqual(['trap']);
    // The destination itself being such a link: refused too.
    const direct = await f.cli(['cp', `${name}:trap/sub`, join(out, 'trap', 'sub')]);
    expect(direct.exitCode).toBe(8);
    expect(readdirSync(victim)).toEqual([]);
  });

  it('into the agent: links are copied as links (the host file they name is not read), files belong to the agent’s user', async () => {
    const tree = join(root, 'host tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'h.txt'), 'from the host\n', { mode: 0o640 });
    writeFileSync(join(tree, 'sub', 'deep.txt'), 'deep\n');
    symlinkSync(secret, join(tree, 'abs-out'));
    symlinkSync('../../host-secret.txt', join(tree, 'sub', 'rel-out'));
    const copied = await f.cli(['cp', '--json', tree, `${name}:incoming`]);
    expect(copied.exitCode, copied.stdout).toBe(0);
    expect(copied.json).toMatchObject({
      direction: 'to-agent',
      destination: '/workspace/incoming',
      files: 2,
      links: 2,
    });
    const listing = await inAgent(
      'cd /workspace/incoming && stat -c "%n %u:%g %a" h.txt sub sub/deep.txt && readlink abs-out && readlink sub/rel-out && cat h.txt && (cat abs-out 2>&1 || true)',
    );
    expect(listing).toContain(`h.txt ${OWNER.uid}:${OWNER.gid} 640`);
    expect(listing).toContain(`sub ${OWNER.uid}:${OWNER.gid}`);
    expect(listing).toContain(`sub/deep.txt ${OWNER.uid}:${OWNER.gid}`);
    expect(listing).toContain(`${secret}\n../../host-secret.txt\n`);
    expect(listing).toContain('from the host');
    expect(listing).not.toContain('HOST SECRET');
    // The agent can change what it was given (it is its own).
    await inAgent('echo changed >> /workspace/incoming/h.txt && rm -r /workspace/incoming/sub');
    // Into an existing directory: beside what is there; one file onto a new name.
    expect((await f.cli(['cp', join(tree, 'h.txt'), `${name}:/tmp/renamed.txt`])).exitCode).toBe(0);
    expect(await inAgent('cat /tmp/renamed.txt')).toBe('from the host\n');
  });

  it('refusals: no agent side, both agent sides, a missing path, a directory onto a file, an unknown agent', async () => {
    const none = await f.cli(['cp', join(root, 'a'), join(root, 'b')]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('NAME:PATH');
    expect((await f.cli(['cp', `${name}:a`, `${name}:b`])).exitCode).toBe(2);
    const missing = await f.cli(['cp', '--json', `${name}:/no/such/path`, root]);
    expect(missing.exitCode).toBe(7);
    expect(missing.json.error.code).toBe('CONTAINER_PATH_NOT_FOUND');
    writeFileSync(join(root, 'a-file'), 'x\n');
    const onto = await f.cli(['cp', '--json', `${name}:tree`, join(root, 'a-file')]);
    expect(onto.exitCode).toBe(8);
    expect(onto.json.error.code).toBe('CP_KIND_MISMATCH');
    expect((await f.cli(['cp', `${f.agentName('nobody')}:/x`, root])).exitCode).toBe(7);
    // Nothing half-made was left beside the destinations.
    expect(readdirSync(root).filter((entry) => entry.startsWith('.agentctl-cp-'))).toEqual([]);
  });
});
