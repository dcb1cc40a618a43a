import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTar, readTar, type TarEntry } from './tar.js';

const MTIME = 1_700_000_000_000;

async function withTemp<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'agentctl-tar-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('createTar', () => {
  it('writes an archive GNU tar lists with the owners, modes and times given', async () => {
    const archive = await createTar([
      { name: 'secrets', type: 'directory', mode: 0o500, uid: 1000, gid: 1001, mtime: MTIME },
      {
        name: 'secrets/TOKEN',
        type: 'file',
        mode: 0o400,
        uid: 1000,
        gid: 1001,
        content: Buffer.alloc(700, 'a'),
        mtime: MTIME,
      },
      { name: 'link', type: 'symlink', mode: 0o777, linkTarget: '/etc/passwd', mtime: MTIME },
    ]);
    expect(archive.length % 512).toBe(0);
    await withTemp(async (dir) => {
      await writeFile(join(dir, 'a.tar'), archive);
      const listing = execFileSync('tar', ['--numeric-owner', '--utc', '-tvf', join(dir, 'a.tar')], {
        encoding: 'utf8',
      });
      expect(listing.trim().split('\n')).toEqual([
        expect.stringMatching(/^dr-x------ 1000\/1001 +0 2023-11-14 22:13 secrets\/$/),
        expect.stringMatching(/^-r-------- 1000\/1001 +700 2023-11-14 22:13 secrets\/TOKEN$/),
        expect.stringMatching(/^lrwxrwxrwx 0\/0 +0 2023-11-14 22:13 link -> \/etc\/passwd$/),
      ]);
    });
  });

  it('keeps names and link targets longer than a ustar header holds (PAX records), which tar unpacks', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}.txt`;
    const target = `../${'t'.repeat(150)}`;
    const archive = await createTar([
      { name: 'd'.repeat(120), type: 'directory', mode: 0o755 },
      { name: long, type: 'file', mode: 0o644, content: Buffer.from('long\n') },
      { name: 'far', type: 'symlink', mode: 0o777, linkTarget: target },
    ]);
    await withTemp(async (dir) => {
      await writeFile(join(dir, 'a.tar'), archive);
      await mkdir(join(dir, 'out'));
      execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', join(dir, 'out')]);
      expect(await readFile(join(dir, 'out', long), 'utf8')).toBe('long\n');
      expect(await readlink(join(dir, 'out', 'far'))).toBe(target);
      expect((await stat(join(dir, 'out', long))).mode & 0o777).toBe(0o644);
    });
    expect((await readTar(archive)).map((entry) => [entry.name, entry.linkTarget])).toEqual([
      ['d'.repeat(120), undefined],
      [long, undefined],
      ['far', target],
    ]);
  });
});

describe('readTar', () => {
  it('reads back what createTar writes: names, types, modes, owners, contents, link targets, times', async () => {
    const content = Buffer.from('x'.repeat(700));
    const written: TarEntry[] = [
      { name: 'secrets', type: 'directory', mode: 0o500, uid: 1000, gid: 1001, mtime: MTIME },
      { name: 'secrets/TOKEN', type: 'file', mode: 0o400, uid: 1000, gid: 1001, content, mtime: MTIME },
      { name: 'secrets/EMPTY', type: 'file', mode: 0o400, uid: 1000, gid: 1001, mtime: MTIME },
      { name: 'secrets/link', type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkTarget: 'TOKEN', mtime: MTIME },
    ];
    expect(await readTar(await createTar(written))).toEqual([
      written[0],
      written[1],
      { ...written[2], content: Buffer.alloc(0) },
      written[3],
    ]);
  });

  it('reads an archive GNU tar made', async () => {
    await withTemp(async (dir) => {
      await mkdir(join(dir, 'in', 'sub'), { recursive: true });
      await writeFile(join(dir, 'in', 'sub', 'f.txt'), 'from tar\n', { mode: 0o640 });
      execFileSync('tar', ['--owner=7:7', '--group=8:8', '-cf', join(dir, 'a.tar'), '-C', join(dir, 'in'), 'sub']);
      const entries = await readTar(await readFile(join(dir, 'a.tar')));
      expect(entries).toMatchObject([
        { name: 'sub', type: 'directory', uid: 7, gid: 8 },
        { name: 'sub/f.txt', type: 'file', mode: 0o640, uid: 7, gid: 8, content: Buffer.from('from tar\n') },
      ]);
    });
  });

  it('refuses entry types the caller does not handle (a link where only files are taken)', async () => {
    const archive = await createTar([{ name: 'link', type: 'symlink', mode: 0o777, linkTarget: 'x' }]);
    await expect(readTar(archive, { accept: ['file', 'directory'] })).rejects.toThrow(
      'unsupported tar entry type "symlink" for link',
    );
  });

  it('refuses hard links and names that climb out of the root', async () => {
    await withTemp(async (dir) => {
      await writeFile(join(dir, 'f'), 'x');
      execFileSync('ln', [join(dir, 'f'), join(dir, 'g')]);
      execFileSync('tar', ['-cf', join(dir, 'hard.tar'), '-C', dir, 'f', 'g']);
      await expect(readTar(await readFile(join(dir, 'hard.tar')))).rejects.toThrow(
        'unsupported tar entry type "link" for g',
      );
    });
    const climbing = await createTar([{ name: '../escape', type: 'file', mode: 0o644 }]);
    await expect(readTar(climbing)).rejects.toThrow("tar entry ../escape leads out of the archive's root");
    const absolute = await createTar([{ name: '/etc/escape', type: 'file', mode: 0o644 }]);
    await expect(readTar(absolute)).rejects.toThrow("tar entry /etc/escape leads out of the archive's root");
  });
});
