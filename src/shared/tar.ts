/**
 * The one tar module of agentctl, on tar-stream: the writer for the archives handed to the engine
 * (files put into a container, a build context) and the reader the Kubernetes backend turns such
 * archives back into objects with. tar-stream writes POSIX ustar headers and falls back to PAX
 * records for names or link targets too long for them.
 */
import { posix } from 'node:path';

/** One entry of an archive. */
export interface TarEntry {
  /** A relative `/`-separated path inside the archive (a directory's trailing `/` is optional). */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  /** Permission bits (masked to 0o7777). */
  mode: number;
  /** Owner (default 0). */
  uid?: number;
  gid?: number;
  /** A file's content (default empty). */
  content?: Buffer;
  /** A symlink's target, as written: stored, never followed. */
  linkTarget?: string;
  /** Milliseconds since the epoch (default: now). */
  mtime?: number;
}

export type TarEntryType = TarEntry['type'];

type TarStream = typeof import('tar-stream');

/** tar-stream is CommonJS: bundled as ESM its functions sit on `default`, under vitest on the module. */
export async function loadTarStream(): Promise<TarStream> {
  const loaded = (await import('tar-stream')) as TarStream & { default?: TarStream };
  return loaded.default ?? loaded;
}

/** An archive of the entries, in order, with exactly the owners and modes given. */
export async function createTar(entries: readonly TarEntry[]): Promise<Buffer> {
  const { pack } = await loadTarStream();
  const archive = pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of archive) chunks.push(chunk as Buffer);
  })();
  try {
    for (const entry of entries) {
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error | null) => (error ? reject(error) : resolve());
        const header = {
          // A directory's name ends with `/`, as tar writes it (tar-stream leaves the name as given).
          name: entry.type === 'directory' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name,
          type: entry.type,
          mode: entry.mode & 0o7777,
          uid: entry.uid ?? 0,
          gid: entry.gid ?? 0,
          mtime: new Date(entry.mtime ?? Date.now()),
        };
        if (entry.type === 'file') archive.entry(header, entry.content ?? Buffer.alloc(0), done);
        else if (entry.type === 'symlink') archive.entry({ ...header, linkname: entry.linkTarget ?? '' }, done);
        else archive.entry(header, done);
      });
    }
    archive.finalize();
  } catch (error) {
    archive.destroy(error as Error);
    await collected.catch(() => undefined);
    throw error;
  }
  await collected;
  return Buffer.concat(chunks);
}

export interface ReadTarOptions {
  /** The entry types the caller handles; any other fails the read (default: all three). */
  accept?: readonly TarEntryType[];
}

/** An entry as read: its owner is always known. */
export type ReadEntry = TarEntry & { uid: number; gid: number };

const TYPES: readonly TarEntryType[] = ['file', 'directory', 'symlink'];

/**
 * The entries of an archive, in order. Fails on an entry type it does not accept (hard links,
 * devices, fifos always) and on a name that is absolute or climbs out with `..`.
 */
export async function readTar(archive: Buffer, options: ReadTarOptions = {}): Promise<ReadEntry[]> {
  const { extract } = await loadTarStream();
  const accept = options.accept ?? TYPES;
  const reader = extract();
  const entries: ReadEntry[] = [];
  const read = (async () => {
    for await (const item of reader) {
      const { header } = item;
      const name = header.name.replace(/\/+$/, '');
      const type = header.type as TarEntryType;
      if (!TYPES.includes(type) || !accept.includes(type))
        throw new Error(`unsupported tar entry type "${header.type}" for ${name}`);
      const normal = posix.normalize(name);
      if (posix.isAbsolute(name) || normal === '..' || normal.startsWith('../'))
        throw new Error(`tar entry ${name} leads out of the archive's root`);
      const chunks: Buffer[] = [];
      for await (const chunk of item) chunks.push(chunk as Buffer);
      entries.push({
        name,
        type,
        mode: header.mode ?? 0,
        uid: header.uid ?? 0,
        gid: header.gid ?? 0,
        ...(type === 'file' ? { content: Buffer.concat(chunks) } : {}),
        ...(type === 'symlink' ? { linkTarget: header.linkname ?? '' } : {}),
        ...(header.mtime ? { mtime: header.mtime.getTime() } : {}),
      });
    }
  })();
  reader.end(archive);
  await read;
  return entries;
}
