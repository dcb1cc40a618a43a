import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/helpers/git-repo.js';
import { isAgentctlError } from '../../shared/errors.js';
import { loadTarStream } from '../../shared/tar.js';
import { agentOwner } from './copy-files.js';
import { parseCopyArguments, parseCopyEndpoint, resolveAgentPath } from './copy-paths.js';
import { extractToHost, safeEntryName } from './extract-to-host.js';
import { packFromHost } from './pack-from-host.js';

let cleanups: Array<() => void> = [];
afterEach(() => {
  cleanups.forEach((cleanup) => cleanup());
  cleanups = [];
});

function temp(): string {
  const { dir, cleanup } = makeTempDir('agentctl cp-');
  cleanups.push(cleanup);
  return dir;
}

type Entry = {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo';
  content?: string;
  linkname?: string;
  mode?: number;
};

/** A tar stream as an engine (or a hostile one) might send it. */
async function archive(entries: Entry[]): Promise<Readable> {
  const { pack } = await loadTarStream();
  const packer = pack();
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    packer.entry(
      {
        name: entry.name,
        type,
        mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
        ...(entry.linkname ? { linkname: entry.linkname } : {}),
      },
      type === 'file' ? (entry.content ?? '') : '',
    );
  }
  packer.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of packer as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return Readable.from([Buffer.concat(chunks)]);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('the two sides of agentctl cp', () => {
  it.each([
    ['fixer:/workspace/a', { kind: 'agent', agent: 'fixer', path: '/workspace/a' }],
    ['fixer:out', { kind: 'agent', agent: 'fixer', path: 'out' }],
    ['fixer:', { kind: 'agent', agent: 'fixer', path: '/workspace' }],
    ['./a:b', { kind: 'host', path: './a:b' }],
    ['/abs/a:b', { kind: 'host', path: '/abs/a:b' }],
    ['plain', { kind: 'host', path: 'plain' }],
    ['bad name:x', { kind: 'host', path: 'bad name:x' }],
  ])('%s', (argument, expected) => {
    expect(parseCopyEndpoint(argument, 'linux')).toEqual(expected);
  });

  it('a drive letter on Windows is a local path', () => {
    expect(parseCopyEndpoint('C:\\x', 'win32')).toEqual({ kind: 'host', path: 'C:\\x' });
  });

  it('relative paths in an agent start at /workspace; a trailing / or /. is kept', () => {
    expect(resolveAgentPath('out')).toBe('/workspace/out');
    expect(resolveAgentPath('a/../b/')).toBe('/workspace/b/');
    expect(resolveAgentPath('/tmp/x/.')).toBe('/tmp/x/.');
    expect(resolveAgentPath('.')).toBe('/workspace/.');
  });

  it('exactly one side is an agent', () => {
    for (const [source, destination, code] of [
      ['a', 'b', 'CP_NO_AGENT'],
      ['x:a', 'y:b', 'CP_BOTH_AGENTS'],
    ] as const) {
      let error: unknown;
      try {
        parseCopyArguments(source, destination, 'linux');
      } catch (thrown) {
        error = thrown;
      }
      expect(isAgentctlError(error) && [error.code, error.kind]).toEqual([code, 'usage']);
    }
  });

  it('the agent’s user from its configuration', () => {
    expect(agentOwner('1234:1234')).toEqual({ uid: 1234, gid: 1234 });
    expect(agentOwner('0:0')).toEqual({ uid: 0, gid: 0 });
    expect(agentOwner('501')).toEqual({ uid: 501, gid: 501 });
  });
});

describe('extractToHost', () => {
  it('places a tree, keeping links as links, dropping setuid bits and devices', async () => {
    const dir = temp();
    const counts = await extractToHost(
      await archive([
        { name: 'tree/', type: 'directory' },
        { name: 'tree/a.txt', content: 'a\n', mode: 0o4755 },
        { name: 'tree/link', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'tree/hard', type: 'link', linkname: 'tree/a.txt' },
        { name: 'tree/pipe', type: 'fifo' },
        { name: 'tree/ro/', type: 'directory', mode: 0o555 },
        { name: 'tree/ro/inside.txt', content: 'in\n' },
      ]),
      { target: path.join(dir, 'copy'), contents: false },
      undefined,
    );
    expect(counts).toMatchObject({ files: 3, directories: 2, links: 1, skipped: ['tree/pipe'] });
    expect(readFileSync(path.join(dir, 'copy', 'a.txt'), 'utf8')).toBe('a\n');
    expect(statSync(path.join(dir, 'copy', 'a.txt')).mode & 0o7777).toBe(0o755);
    expect(readlinkSync(path.join(dir, 'copy', 'link'))).toBe('/etc/passwd');
    expect(lstatSync(path.join(dir, 'copy', 'hard')).isFile()).toBe(true);
    expect(statSync(path.join(dir, 'copy', 'ro')).mode & 0o777).toBe(0o555);
    expect(readdirSync(dir)).toEqual(['copy']);
  });

  it.each<[string, Entry[]]>([
    [
      'climbs out',
      [
        { name: 'tree/', type: 'directory' },
        { name: 'tree/../../escape.txt', content: 'x' },
      ],
    ],
    ['absolute', [{ name: '/etc/x', content: 'x' }]],
    [
      'another root',
      [
        { name: 'tree/', type: 'directory' },
        { name: 'other/x', content: 'x' },
      ],
    ],
    [
      'a path through a link it holds',
      [
        { name: 'tree/', type: 'directory' },
        { name: 'tree/sub', type: 'symlink', linkname: '@OUTSIDE@' },
        { name: 'tree/sub/x.txt', content: 'x' },
      ],
    ],
    [
      'one path twice (a link swapped in)',
      [
        { name: 'tree/', type: 'directory' },
        { name: 'tree/sub/', type: 'directory' },
        { name: 'tree/sub', type: 'symlink', linkname: '@OUTSIDE@' },
      ],
    ],
    [
      'a hard link to something it does not hold',
      [
        { name: 'tree/', type: 'directory' },
        { name: 'tree/h', type: 'link', linkname: '../../etc/passwd' },
      ],
    ],
  ])('refuses an archive that %s, and leaves nothing', async (_what, entries) => {
    const dir = temp();
    const outside = path.join(dir, 'outside');
    mkdirSync(outside);
    const target = path.join(dir, 'dest');
    mkdirSync(target);
    const fixed = entries.map((entry) => ({ ...entry, linkname: entry.linkname?.replace('@OUTSIDE@', outside) }));
    const error = await caught(extractToHost(await archive(fixed), { target, contents: true }, undefined));
    expect(isAgentctlError(error) && error.code).toBe('CP_ARCHIVE_UNSAFE');
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(target)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['dest', 'outside']);
  });

  it('never writes through a link at or below the destination; a file replaces a link itself', async () => {
    const dir = temp();
    const outside = path.join(dir, 'outside');
    mkdirSync(outside);
    const dest = path.join(dir, 'dest');
    mkdirSync(dest);
    symlinkSync(outside, path.join(dest, 'sub'));
    writeFileSync(path.join(dir, 'target.txt'), 'keep\n');
    symlinkSync(path.join(dir, 'target.txt'), path.join(dest, 'file-link'));
    const tree = [
      { name: 'tree/', type: 'directory' as const },
      { name: 'tree/first.txt', content: 'first' },
      { name: 'tree/sub/', type: 'directory' as const },
      { name: 'tree/sub/x.txt', content: 'x' },
    ];
    const error = await caught(extractToHost(await archive(tree), { target: dest, contents: true }, undefined));
    expect(isAgentctlError(error) && error.code).toBe('CP_DESTINATION_LINK');
    expect(readdirSync(outside)).toEqual([]);
    // Refused before anything moved.
    expect(readdirSync(dest).sort()).toEqual(['file-link', 'sub']);

    await extractToHost(
      await archive([{ name: 'file-link', content: 'new\n' }]),
      { target: path.join(dest, 'file-link'), contents: false },
      undefined,
    );
    expect(lstatSync(path.join(dest, 'file-link')).isFile()).toBe(true);
    expect(readFileSync(path.join(dir, 'target.txt'), 'utf8')).toBe('keep\n');
  });

  it('merges into an existing directory; a directory onto a file is refused', async () => {
    const dir = temp();
    const dest = path.join(dir, 'dest');
    mkdirSync(path.join(dest, 'sub'), { recursive: true });
    writeFileSync(path.join(dest, 'mine.txt'), 'mine\n');
    writeFileSync(path.join(dest, 'clash'), 'a file\n');
    await extractToHost(
      await archive([
        { name: 'tree/', type: 'directory' },
        { name: 'tree/sub/', type: 'directory' },
        { name: 'tree/sub/new.txt', content: 'new\n' },
      ]),
      { target: dest, contents: true },
      undefined,
    );
    expect(readdirSync(dest).sort()).toEqual(['clash', 'mine.txt', 'sub']);
    expect(readFileSync(path.join(dest, 'sub', 'new.txt'), 'utf8')).toBe('new\n');
    const error = await caught(
      extractToHost(
        await archive([
          { name: 'tree/', type: 'directory' },
          { name: 'tree/clash/', type: 'directory' },
        ]),
        { target: dest, contents: true },
        undefined,
      ),
    );
    expect(isAgentctlError(error) && error.code).toBe('CP_KIND_MISMATCH');
  });

  it('safe entry names', () => {
    expect(safeEntryName('a/b/')).toBe('a/b');
    expect(safeEntryName('a/./b')).toBe('a/b');
    expect(safeEntryName('a/../../b')).toBeUndefined();
    expect(safeEntryName('/a')).toBeUndefined();
    expect(safeEntryName('..')).toBeUndefined();
  });
});

describe('packFromHost', () => {
  it('archives links as links (never reading what they point to), as the agent’s user', async () => {
    const dir = temp();
    writeFileSync(path.join(dir, 'secret.txt'), 'SECRET\n');
    const tree = path.join(dir, 'tree');
    mkdirSync(tree);
    writeFileSync(path.join(tree, 'a.txt'), 'a\n', { mode: 0o4755 });
    symlinkSync(path.join(dir, 'secret.txt'), path.join(tree, 'out'));
    const { archive: packed, counts } = await packFromHost(tree, {
      rootName: 'copy',
      contents: false,
      owner: { uid: 1234, gid: 4321 },
    });
    expect(counts).toMatchObject({ files: 1, directories: 1, links: 1 });
    expect(packed.includes(Buffer.from('SECRET'))).toBe(false);
    const { extract } = await loadTarStream();
    const parser = extract();
    const seen: string[] = [];
    Readable.from([packed]).pipe(parser as unknown as NodeJS.WritableStream);
    for await (const entry of parser) {
      const { name, type, uid, gid, mode, linkname } = entry.header;
      seen.push(`${name} ${type} ${uid}:${gid} ${(mode ?? 0).toString(8)}${linkname ? ` -> ${linkname}` : ''}`);
      entry.resume();
    }
    expect(seen).toEqual([
      'copy/ directory 1234:4321 755',
      'copy/a.txt file 1234:4321 755',
      `copy/out symlink 1234:4321 777 -> ${path.join(dir, 'secret.txt')}`,
    ]);
  });
});
