import { loadTarStream } from '../../shared/tar.js';
import { constants } from 'node:fs';
import {
  chmod,
  copyFile,
  lchown,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  rename,
  rm,
  symlink,
  utimes,
} from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Header } from 'tar-stream';
import { ConflictError } from '../../shared/errors.js';

/** What a copy moved. */
export interface CopyCounts {
  files: number;
  directories: number;
  links: number;
  bytes: number;
  /** Entries left out: devices, pipes, sockets (never created on this machine). */
  skipped: string[];
}

/** Where the archive's root entry goes: onto `target`, or (contents) its children into the directory `target`. */
export interface HostPlacement {
  target: string;
  contents: boolean;
}

/** The user files copied out should belong to (agentctl as root: the destination directory's owner). */
export type HostOwner = { uid: number; gid: number } | undefined;

function unsafe(message: string, hint: string, details: Record<string, unknown>): ConflictError {
  return new ConflictError('CP_ARCHIVE_UNSAFE', message, { hint, details });
}

function linkInDestination(at: string): ConflictError {
  return new ConflictError('CP_DESTINATION_LINK', `${at} is a symbolic link: agentctl cp never writes through one`, {
    hint: `Remove or rename the link (\`rm "${at}"\`) if you mean to replace it, or copy to another destination`,
    details: { path: at },
  });
}

function kindMismatch(target: string, directory: boolean): ConflictError {
  return new ConflictError(
    'CP_KIND_MISMATCH',
    directory ? `Cannot copy a directory onto the file ${target}` : `Cannot copy a file onto the directory ${target}`,
    {
      hint: 'Copy to another destination, or move the one in the way',
      details: { path: target },
    },
  );
}

/**
 * Extracts an engine's tar stream of one path into the host's file system, so that nothing is
 * ever written through a symbolic link and nothing lands outside the destination: the archive is
 * first unpacked into a fresh directory of agentctl's beside the destination (entries with `..`,
 * absolute names or a path through a link are refused; hard links become copies; devices, pipes
 * and sockets are left out; setuid, setgid and sticky bits are dropped), then moved into place,
 * where no link at or below the destination is followed (refused with CP_DESTINATION_LINK before
 * anything is moved). A refusal leaves the destination as it was.
 */
export async function extractToHost(
  stream: Readable,
  placement: HostPlacement,
  owner: HostOwner,
  signal?: AbortSignal,
): Promise<CopyCounts> {
  const stagingParent = placement.contents ? placement.target : path.dirname(placement.target);
  const staging = await mkdtemp(path.join(stagingParent, '.agentctl-cp-'));
  try {
    const extracted = await unpack(stream, staging, owner, signal);
    const root = path.join(staging, extracted.root);
    const moves: Array<[string, string]> = [];
    if (placement.contents) {
      const info = await lstat(root);
      if (!info.isDirectory()) throw kindMismatch(placement.target, false);
      await planChildren(root, placement.target, moves);
    } else {
      await plan(root, placement.target, moves);
    }
    for (const [from, to] of moves) await rename(from, to);
    // Directories get their own modes last: a read-only one would have refused its children.
    for (const [staged, mode] of [...extracted.directoryModes].sort((a, b) => b[0].length - a[0].length)) {
      const final = finalPath(path.join(staging, staged), moves);
      if (final) await chmod(final, mode).catch(() => undefined);
    }
    return extracted.counts;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Where a staged path ended up: under the target of the move that took it (or an ancestor). */
function finalPath(staged: string, moves: ReadonlyArray<[string, string]>): string | undefined {
  for (const [from, to] of moves) {
    if (staged === from) return to;
    if (staged.startsWith(`${from}${path.sep}`)) return path.join(to, staged.slice(from.length + 1));
  }
  return undefined;
}

/** Decides the moves that put `staged` at `target`, refusing before anything moves. */
async function plan(staged: string, target: string, moves: Array<[string, string]>): Promise<void> {
  const stagedInfo = await lstat(staged);
  const existing = await lstat(target).catch(() => undefined);
  if (stagedInfo.isDirectory()) {
    if (!existing) {
      moves.push([staged, target]);
      return;
    }
    if (existing.isSymbolicLink()) throw linkInDestination(target);
    if (!existing.isDirectory()) throw kindMismatch(target, true);
    await planChildren(staged, target, moves);
    return;
  }
  if (existing?.isDirectory()) throw kindMismatch(target, false);
  // A file or a link replaces what is there (rename replaces a link itself, never what it points to).
  moves.push([staged, target]);
}

async function planChildren(stagedDir: string, targetDir: string, moves: Array<[string, string]>): Promise<void> {
  for (const child of (await readdir(stagedDir)).sort())
    await plan(path.join(stagedDir, child), path.join(targetDir, child), moves);
}

/** A tar entry's name as a safe relative path (`a/b`), or undefined for one that climbs or is absolute. */
export function safeEntryName(name: string): string | undefined {
  const trimmed = name.replace(/\/+$/, '');
  if (trimmed === '' || trimmed.startsWith('/') || trimmed.includes('\0')) return undefined;
  const normalised = path.posix.normalize(trimmed);
  if (normalised === '.' || normalised === '..' || normalised.startsWith('../') || path.posix.isAbsolute(normalised))
    return undefined;
  return normalised;
}

async function unpack(
  stream: Readable,
  staging: string,
  owner: HostOwner,
  signal?: AbortSignal,
): Promise<{ root: string; counts: CopyCounts; directoryModes: Map<string, number> }> {
  const { extract } = await loadTarStream();
  const parser = extract();
  const counts: CopyCounts = { files: 0, directories: 0, links: 0, bytes: 0, skipped: [] };
  const directoryModes = new Map<string, number>();
  const files = new Set<string>();
  const directories = new Set<string>();
  let root: string | undefined;

  const ensureParent = async (name: string): Promise<void> => {
    const parent = path.posix.dirname(name);
    if (parent === '.' || directories.has(parent)) return;
    await ensureParent(parent);
    const at = path.join(staging, parent);
    const info = await lstat(at).catch(() => undefined);
    if (info && !info.isDirectory())
      throw unsafe(
        `The agent's archive puts ${name} beneath ${parent}, which is not a directory`,
        'Nothing was copied. The agent changed its files while they were copied, or planted a link: look at them with `agentctl exec NAME ls -la`',
        { entry: name },
      );
    if (!info) {
      await mkdir(at, { mode: 0o700 });
      if (owner) await lchown(at, owner.uid, owner.gid);
    }
    directories.add(parent);
  };

  const handle = async (header: Header, entry: AsyncIterable<Buffer> & { resume(): void }): Promise<void> => {
    const name = safeEntryName(header.name);
    const first = name?.split('/')[0];
    root ??= first;
    if (!name || first !== root) {
      throw unsafe(
        `The agent's archive holds an entry outside the path copied: ${JSON.stringify(header.name)}`,
        'Nothing was copied: entries with `..` or absolute names are refused',
        { entry: header.name },
      );
    }
    await ensureParent(name);
    const at = path.join(staging, name);
    const mode = (header.mode ?? 0o644) & 0o777;
    // An engine archives each path once: a second entry for one means the files changed under it
    // (a link swapped in while it was read), and is refused rather than resolved.
    if (await lstat(at).catch(() => undefined)) {
      throw unsafe(
        `The agent's archive holds ${name} twice`,
        'Nothing was copied. The agent changed its files while they were copied: copy again once it is done (or stop it first)',
        { entry: header.name },
      );
    }
    switch (header.type) {
      case 'directory':
        await mkdir(at, { mode: 0o700 });
        directories.add(name);
        directoryModes.set(name, mode);
        counts.directories += 1;
        break;
      case 'file':
      case 'contiguous-file': {
        const file = await open(
          at,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        );
        try {
          for await (const chunk of entry) {
            signal?.throwIfAborted();
            await file.write(chunk);
          }
          await file.chmod(mode);
        } finally {
          await file.close();
        }
        if (header.mtime) await utimes(at, header.mtime, header.mtime).catch(() => undefined);
        files.add(name);
        counts.files += 1;
        counts.bytes += header.size ?? 0;
        break;
      }
      case 'symlink':
        await symlink(header.linkname ?? '', at);
        counts.links += 1;
        break;
      case 'link': {
        // A hard link: a copy of a file this archive already held, never a link to anything here.
        const target = safeEntryName(header.linkname ?? '');
        if (!target || !files.has(target)) {
          throw unsafe(
            `The agent's archive links ${name} to ${JSON.stringify(header.linkname)}, which it does not hold`,
            'Nothing was copied: hard links only to files of the same copy are taken (as copies)',
            { entry: header.name },
          );
        }
        await copyFile(path.join(staging, target), at, constants.COPYFILE_EXCL);
        files.add(name);
        counts.files += 1;
        break;
      }
      default:
        counts.skipped.push(name);
        entry.resume();
        return;
    }
    if (owner) await lchown(at, owner.uid, owner.gid);
    entry.resume();
  };

  stream.on('error', (error) => parser.destroy(error));
  stream.pipe(parser as unknown as NodeJS.WritableStream);
  try {
    for await (const entry of parser) {
      signal?.throwIfAborted();
      await handle(entry.header, entry as unknown as AsyncIterable<Buffer> & { resume(): void });
    }
  } catch (error) {
    stream.destroy();
    parser.destroy();
    throw error;
  }
  if (root === undefined) {
    throw unsafe(
      "The agent's archive was empty",
      'Nothing was copied; check the path with `agentctl exec NAME ls -la`',
      {},
    );
  }
  return { root, counts, directoryModes };
}
