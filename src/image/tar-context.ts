import { constants } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { ImageError, UsageError } from '../shared/errors.js';
import { createTar, type TarEntry } from '../shared/tar.js';

/**
 * The build context archive the engine's /build endpoint takes. Every entry's time is the epoch
 * unless given, so identical contexts give identical archives (and the engine's cache holds).
 */
export function tarArchive(entries: readonly TarEntry[]): Promise<Buffer> {
  return createTar(entries.map((entry) => ({ mtime: 0, ...entry })));
}

export interface DirectoryEntriesOptions {
  /** Called before each entry is looked at, with its relative name (tests change the tree here). */
  beforeEntry?: (name: string) => Promise<void>;
}

/**
 * Every directory, regular file and symlink under `root`, sorted. Symlinks are stored as links,
 * with their target as written, and never followed (as `docker build` sends them): the engine
 * resolves them inside the context, so nothing outside `root` enters the archive. A relative link
 * that climbs out of the context is refused (Podman refuses to unpack it, with an empty error).
 * Sockets, pipes and devices are left out. Files and directories are opened without following a
 * link and, where the system tells (Linux), checked to be where the walk expects them: a directory
 * swapped for a link while the walk runs (the context may sit in an agent's workspace) fails the
 * walk with IMAGE_CONTEXT_CHANGED instead of reading what the link points to.
 */
export async function directoryEntries(root: string, options: DirectoryEntriesOptions = {}): Promise<TarEntry[]> {
  return walk(await realpath(root), '', options);
}

async function walk(root: string, base: string, options: DirectoryEntriesOptions): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const names = (await readDirectory(root, base)).sort();
  for (const name of names) {
    const relative = base === '' ? name : `${base}/${name}`;
    await options.beforeEntry?.(relative);
    const path = join(root, relative);
    const info = await lstat(path);
    if (info.isSymbolicLink()) {
      const target = await readlink(path);
      checkLinkStaysInside(relative, target);
      entries.push({ name: relative, type: 'symlink', mode: 0o777, linkTarget: target });
    } else if (info.isDirectory()) {
      entries.push({ name: relative, type: 'directory', mode: 0o755 });
      entries.push(...(await walk(root, relative, options)));
    } else if (info.isFile()) {
      const content = await readRegularFile(root, relative);
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

function contextChanged(name: string, cause?: unknown): ImageError {
  return new ImageError('IMAGE_CONTEXT_CHANGED', `The build context changed while it was read: ${name}`, {
    hint: 'Run the build again once nothing is changing the context directory (a running agent may be writing it)',
    details: { path: name },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Where an open file or directory really is (`/proc/self/fd`), or undefined where the system does not say. */
async function openedPath(fd: number): Promise<string | undefined> {
  try {
    return await readlink(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/**
 * Opens `root/relative` without following a link in its last part, and checks that what was opened
 * is that path: a link swapped in for a directory above it would have been followed.
 */
async function openInside(root: string, relative: string, flags: number): Promise<FileHandle> {
  const path = relative === '' ? root : join(root, relative);
  let handle: FileHandle;
  try {
    handle = await open(path, flags | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENOENT') throw contextChanged(relative || '.', error);
    throw error;
  }
  const actual = await openedPath(handle.fd);
  if (actual !== undefined && actual !== path) {
    await handle.close();
    throw contextChanged(relative || '.');
  }
  return handle;
}

/** The names in a directory of the context, read through the directory opened (never a link). */
async function readDirectory(root: string, relative: string): Promise<string[]> {
  const handle = await openInside(root, relative, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    const viaHandle = `/proc/self/fd/${handle.fd}`;
    return await readdir((await openedPath(handle.fd)) === undefined ? join(root, relative) : viaHandle);
  } finally {
    await handle.close();
  }
}

/** A regular file's content, read through a handle opened without following a link. */
async function readRegularFile(root: string, relative: string): Promise<Buffer | undefined> {
  const handle = await openInside(root, relative, constants.O_RDONLY);
  try {
    if (!(await handle.stat()).isFile()) throw contextChanged(relative);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
