import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarArchive } from './tar-context.js';

describe('build context archive', () => {
  it('is a tar that tar reads back, long names included', async () => {
    const long = `${'d'.repeat(80)}/${'f'.repeat(90)}.txt`;
    const archive = tarArchive([
      { name: 'Dockerfile', type: 'file', mode: 0o644, content: Buffer.from('FROM scratch\n') },
      { name: 'extra-ca', type: 'dir', mode: 0o755 },
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
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
