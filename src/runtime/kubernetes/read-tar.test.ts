import { describe, expect, it } from 'vitest';
import { createTar } from '../../shared/tar.js';
import { readTar } from './read-tar.js';

describe('readTar', () => {
  it('reads back what createTar writes: names, types, modes, owners and contents', () => {
    const content = Buffer.from('x'.repeat(700));
    const entries = readTar(
      createTar([
        { name: 'secrets', type: 'directory', mode: 0o500, uid: 1000, gid: 1001, mtime: 1_700_000_000_000 },
        { name: 'secrets/TOKEN', type: 'file', mode: 0o400, uid: 1000, gid: 1001, content, mtime: 1_700_000_000_000 },
        { name: 'secrets/EMPTY', type: 'file', mode: 0o400, uid: 1000, gid: 1001, mtime: 1_700_000_000_000 },
      ]),
    );
    expect(entries).toEqual([
      { name: 'secrets', type: 'directory', mode: 0o500, uid: 1000, gid: 1001, mtime: 1_700_000_000_000 },
      { name: 'secrets/TOKEN', type: 'file', mode: 0o400, uid: 1000, gid: 1001, content, mtime: 1_700_000_000_000 },
      {
        name: 'secrets/EMPTY',
        type: 'file',
        mode: 0o400,
        uid: 1000,
        gid: 1001,
        content: Buffer.alloc(0),
        mtime: 1_700_000_000_000,
      },
    ]);
  });

  it('refuses entry types it cannot turn into a Secret (links, devices)', () => {
    const archive = createTar([{ name: 'link', type: 'file', mode: 0o644, uid: 0, gid: 0 }]);
    archive.write('2', 156, 'ascii');
    expect(() => readTar(archive)).toThrow(/unsupported tar entry type "2"/);
  });
});
