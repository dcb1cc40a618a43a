import { constants } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { UsageError } from '../shared/errors.js';

/** One entry of a build context archive. Paths use `/`, relative to the context root. */
export interface TarEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  content?: Buffer;
  /** A symlink's target, as written (never followed). */
  linkTarget?: string;
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

function splitName(name: string): { name: string; prefix: string } {
  if (Buffer.byteLength(name) <= 100) return { name, prefix: '' };
  for (let cut = name.indexOf('/'); cut >= 0; cut = name.indexOf('/', cut + 1)) {
    const prefix = name.slice(0, cut);
    const rest = name.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100) return { name: rest, prefix };
  }
  throw new Error(`path too long for a build context archive: ${name}`);
}

function header(entry: TarEntry, size: number): Buffer {
  const block = Buffer.alloc(512);
  const { name, prefix } = splitName(entry.type === 'dir' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(entry.mode & 0o7777, 8), 100, 8, 'ascii');
  block.write(octal(0, 8), 108, 8, 'ascii');
  block.write(octal(0, 8), 116, 8, 'ascii');
  block.write(octal(size, 12), 124, 12, 'ascii');
  block.write(octal(0, 12), 136, 12, 'ascii'); // mtime 0: identical contexts give identical archives
  block.write('        ', 148, 8, 'ascii');
  block.write(entry.type === 'dir' ? '5' : entry.type === 'symlink' ? '2' : '0', 156, 1, 'ascii');
  if (entry.type === 'symlink') {
    const target = entry.linkTarget ?? '';
    if (Buffer.byteLength(target) > 100)
      throw new Error(`symlink target too long for a build context archive: ${entry.name} -> ${target}`);
    block.write(target, 157, 100, 'utf8');
  }
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

/** A POSIX ustar archive of the entries (what the engine's /build endpoint takes as context). */
export function tarArchive(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = entry.type === 'file' ? (entry.content ?? Buffer.alloc(0)) : Buffer.alloc(0);
    parts.push(header(entry, content.length));
    if (content.length > 0) {
      parts.push(content);
      const pad = (512 - (content.length % 512)) % 512;
      if (pad > 0) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/**
 * Every directory, regular file and symlink under `root`, sorted. Symlinks are stored as links,
 * with their target as written, and never followed (as `docker build` sends them): the engine
 * resolves them inside the context, so nothing outside `root` enters the archive. A relative link
 * that climbs out of the context is refused (Podman refuses to unpack it, with an empty error).
 * Sockets, pipes and devices are left out.
 */
export async function directoryEntries(root: string, base = ''): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const names = (await readdir(join(root, base))).sort();
  for (const name of names) {
    const relative = base === '' ? name : `${base}/${name}`;
    const path = join(root, relative);
    const info = await lstat(path);
    if (info.isSymbolicLink()) {
      const target = await readlink(path);
      checkLinkStaysInside(relative, target);
      entries.push({ name: relative, type: 'symlink', mode: 0o777, linkTarget: target });
    } else if (info.isDirectory()) {
      entries.push({ name: relative, type: 'dir', mode: 0o755 });
      entries.push(...(await directoryEntries(root, relative)));
    } else if (info.isFile()) {
      const content = await readRegularFile(path);
      if (content) entries.push({ name: relative, type: 'file', mode: info.mode & 0o111 ? 0o755 : 0o644, content });
    }
  }
  return entries;
}

function checkLinkStaysInside(name: string, target: string): void {
  if (isAbsolute(target) || posix.isAbsolute(target)) return;
  const resolved = posix.normalize(posix.join(posix.dirname(name), target.replace(/\\/g, '/')));
  if (resolved !== '..' && !resolved.startsWith('../')) return;
  throw new UsageError(
    'IMAGE_CONTEXT_LINK_OUTSIDE',
    `The build context has a link ${name} -> ${target} that leads out of it`,
    {
      hint: 'Copy the file into the context instead (an absolute link is kept as a link for the image, never followed)',
      details: { link: name, target },
    },
  );
}

/** The file's content, opened without following a link (one swapped in since lstat is skipped). */
async function readRegularFile(path: string): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
    throw error;
  }
  try {
    if (!(await handle.stat()).isFile()) return undefined;
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
