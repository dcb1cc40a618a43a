import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directoryEntries, tarArchive } from './tar-context.js';

describe('build context archive', () => {
  it('is a tar that tar reads back, long names included', async () => {
    const long = `${'d'.repeat(80)}/${'f'.repeat(90)}.txt`;
    const archive = await tarArchive([
      { name: 'Dockerfile', type: 'file', mode: 0o644, content: Buffer.from('FROM scratch\n') },
      { name: 'extra-ca', type: 'directory', mode: 0o755 },
      { name: 'extra-ca/x.crt', type: 'file', mode: 0o644, content: Buffer.alloc(700, 'a') },
      { name: long, type: 'file', mode: 0o755, content: Buffer.from('#!/bin/sh\n') },
    ]);
    expect(archive.length % 512).toBe(0);
    const dir = await mkdtemp(join(tmpdir(), 'agentctl-tar-'));
    try {
      await writeFile(join(dir, 'c.tar'), archive);
      const listing = execFileSync('tar', ['-tvf', join(dir, 'c.tar')], { encoding: 'utf8' });
      expect(listing).toContain('Dockerfile');
      expect(listing).toContain('extra-ca/x.crt');
      expect(listing).toContain(long);
      expect(listing).toMatch(/-rw-r--r-- .* 700 .*extra-ca\/x\.crt/);
      // Every time is the epoch: the same context gives the same archive.
      expect(listing).toMatch(/ 1970-01-01 /);
      expect(listing).not.toMatch(/ (?!1970-01-01)\d{4}-\d{2}-\d{2} /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('of a directory with symlinks', () => {
    const SECRET = 'outside-secret-7f3a91';

    async function fixture() {
      const dir = await mkdtemp(join(tmpdir(), 'agentctl-context-'));
      const outside = join(dir, 'outside');
      const context = join(dir, 'context');
      await mkdir(join(outside, 'keys'), { recursive: true });
      await writeFile(join(outside, 'secret.txt'), `${SECRET}\n`);
      await writeFile(join(outside, 'keys', 'id_ed25519'), `${SECRET}-key\n`);
      await mkdir(join(context, 'sub'), { recursive: true });
      await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
      await writeFile(join(context, 'sub', 'inside.txt'), 'inside\n');
      await symlink(join(outside, 'secret.txt'), join(context, 'secret-link'));
      await symlink('../inside-up.txt', join(context, 'sub', 'relative-link'));
      await writeFile(join(context, 'inside-up.txt'), 'up\n');
      await symlink(join(outside, 'keys'), join(context, 'keys-dir'));
      await symlink(join(dir, 'nothing-here'), join(context, 'dangling'));
      await symlink('inside.txt', join(context, 'sub', 'local-link'));
      return { dir, context, outside };
    }

    it('stores every link as a link with its target as written, and never reads what it points to', async () => {
      const { dir, context, outside } = await fixture();
      try {
        const entries = await directoryEntries(context);
        expect(entries.map((entry) => [entry.name, entry.type, entry.linkTarget])).toEqual([
          ['Dockerfile', 'file', undefined],
          ['dangling', 'symlink', join(dir, 'nothing-here')],
          ['inside-up.txt', 'file', undefined],
          ['keys-dir', 'symlink', join(outside, 'keys')],
          ['secret-link', 'symlink', join(outside, 'secret.txt')],
          ['sub', 'directory', undefined],
          ['sub/inside.txt', 'file', undefined],
          ['sub/local-link', 'symlink', 'inside.txt'],
          ['sub/relative-link', 'symlink', '../inside-up.txt'],
        ]);
        const archive = await tarArchive(entries);
        expect(archive.includes(SECRET)).toBe(false);
        await writeFile(join(dir, 'c.tar'), archive);
        const listing = execFileSync('tar', ['-tvf', join(dir, 'c.tar')], { encoding: 'utf8' });
        expect(listing).toMatch(/^l.* secret-link -> .*outside\/secret\.txt$/m);
        expect(listing).toMatch(/^l.* keys-dir -> .*outside\/keys$/m);
        expect(listing).toMatch(/^l.* dangling -> /m);
        expect(listing).not.toContain('id_ed25519');
        // Unpacked, the links are links again: the content still is only outside.
        await mkdir(join(dir, 'unpacked'));
        execFileSync('tar', ['-xf', join(dir, 'c.tar'), '-C', join(dir, 'unpacked')]);
        expect(
          execFileSync('find', [join(dir, 'unpacked'), '-type', 'l'], { encoding: 'utf8' })
            .trim()
            .split('\n'),
        ).toHaveLength(5);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('never reads through a directory swapped for a link while it walks (IMAGE_CONTEXT_CHANGED)', async () => {
      const { dir, context, outside } = await fixture();
      try {
        await writeFile(join(outside, 'inside.txt'), `${SECRET}\n`);
        const swap = async (name: string) => {
          if (name !== 'sub/inside.txt') return;
          // Between the listing of sub/ and the read of sub/inside.txt, sub becomes a link outside.
          await rename(join(context, 'sub'), join(dir, 'sub-moved'));
          await symlink(outside, join(context, 'sub'));
        };
        await expect(directoryEntries(context, { beforeEntry: swap })).rejects.toMatchObject({
          code: 'IMAGE_CONTEXT_CHANGED',
          kind: 'image',
          message: 'The build context changed while it was read: sub/inside.txt',
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('never lists a directory swapped for a link after it was seen as a directory', async () => {
      const { dir, context, outside } = await fixture();
      try {
        const swap = async (name: string) => {
          if (name !== 'sub') return;
          await rename(join(context, 'sub'), join(dir, 'sub-moved'));
          await symlink(outside, join(context, 'sub'));
        };
        // lstat now sees the link: stored as a link, the outside never listed.
        const entries = await directoryEntries(context, { beforeEntry: swap });
        expect(entries.filter((entry) => entry.name.startsWith('sub'))).toEqual([
          { name: 'sub', type: 'symlink', mode: 0o777, linkTarget: outside },
        ]);
        expect(entries.some((entry) => entry.name.includes('id_ed25519') || entry.name.includes('secret.txt'))).toBe(
          false,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('reads a context whose root is reached through a link', async () => {
      const { dir, context } = await fixture();
      try {
        await symlink(context, join(dir, 'context-link'));
        const entries = await directoryEntries(join(dir, 'context-link'));
        expect(entries.map((entry) => entry.name)).toContain('sub/inside.txt');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('refuses a relative link that climbs out of the context, naming it', async () => {
      const { dir, context } = await fixture();
      try {
        await symlink('../../outside/secret.txt', join(context, 'sub', 'climbing-link'));
        await expect(directoryEntries(context)).rejects.toMatchObject({
          code: 'IMAGE_CONTEXT_LINK_OUTSIDE',
          kind: 'usage',
          message: 'The build context has a link sub/climbing-link -> ../../outside/secret.txt that leads out of it',
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
