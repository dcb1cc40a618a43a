import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMount, resolveUserMounts } from './user-mounts.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'agentctl-mounts-')));
const home = join(root, 'home');
const data = join(root, 'data');
const repo = join(root, 'projects', 'app');
mkdirSync(join(home, '.ssh'), { recursive: true });
mkdirSync(join(home, 'notes'), { recursive: true });
mkdirSync(data, { recursive: true });
mkdirSync(join(repo, '.git', 'hooks'), { recursive: true });
writeFileSync(join(home, '.ssh', 'id_ed25519'), 'key');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const deps = { cwd: root, env: {}, platform: 'linux' as const, homedir: home, config: {} };
const resolveOne = (value: string) => resolveUserMounts(deps, [value]);

describe('--mount', () => {
  it('parses SRC:DST, read-only unless :rw', () => {
    expect(parseMount('/data:/data')).toEqual({ source: '/data', target: '/data', readOnly: true });
    expect(parseMount('./x:/mnt/x/:rw')).toEqual({ source: './x', target: '/mnt/x', readOnly: false });
    expect(parseMount('/a:/b:ro')).toMatchObject({ readOnly: true });
  });

  it.each([
    ['/data', /SRC:DST/],
    ['/data:relative', /not absolute/],
    ['/data:/data:rwx', /not ro or rw/],
    [':/data', /empty/],
    ['/data:/', /whole filesystem/],
    ['/data:/workspace', /\/workspace/],
    ['/data:/workspace/sub', /\/workspace/],
    ['/data:/home', /\/home\/agent/],
    ['/data:/run/secrets', /\/run\/secrets/],
    ['/data:/var/run/docker.sock', /docker\.sock/],
  ])('refuses %s (INVALID_MOUNT)', (value, message) => {
    expect(() => parseMount(value)).toThrow(
      expect.objectContaining({ code: 'INVALID_MOUNT', message: expect.stringMatching(message) }),
    );
  });

  it('mounts a project path, resolved, read-only by default', async () => {
    expect(await resolveOne('data:/data')).toEqual([
      { kind: 'host', source: data, target: '/data', readOnly: true, relabel: false },
    ]);
    expect(await resolveOne(`~/notes:/notes:rw`)).toEqual([
      { kind: 'host', source: join(home, 'notes'), target: '/notes', readOnly: false, relabel: false },
    ]);
  });

  it.each([
    ['/:/host', /filesystem root/],
    ['/etc:/etc-host', /system directory/],
    [`${home}:/h`, /home directory/],
    [`${home}/.ssh:/keys`, /SSH keys/],
    [`${home}/.ssh/id_ed25519:/key`, /SSH keys/],
    ['/var/run/docker.sock:/sock', /engine|system directory/],
    [`${repo}/.git:/g`, /git directory/],
    [`${repo}/.git/hooks:/g:rw`, /git directory/],
    [`${repo}:/src:rw`, /git checkout/],
    [`${root}/projects:/src:rw`, /git checkout/],
  ])('refuses %s (MOUNT_REFUSED)', async (value, message) => {
    await expect(resolveOne(value)).rejects.toMatchObject({
      code: 'MOUNT_REFUSED',
      message: expect.stringMatching(message),
    });
  });

  it('lets a checkout in read-only; refuses a missing path and a target given twice', async () => {
    expect(await resolveOne(`${repo}:/src`)).toMatchObject([{ source: repo, readOnly: true }]);
    await expect(resolveOne(`${root}/nope:/x`)).rejects.toMatchObject({ code: 'INVALID_MOUNT' });
    await expect(resolveUserMounts(deps, ['data:/d', `${home}/notes:/d`])).rejects.toMatchObject({
      code: 'INVALID_MOUNT',
      message: expect.stringContaining('twice'),
    });
  });

  it("refuses agentctl's data directory", async () => {
    const dataDir = join(home, '.local', 'share', 'agentctl');
    mkdirSync(dataDir, { recursive: true });
    await expect(resolveOne(`${dataDir}:/state`)).rejects.toMatchObject({
      code: 'MOUNT_REFUSED',
      message: expect.stringContaining("agentctl's data directory"),
    });
  });
});
