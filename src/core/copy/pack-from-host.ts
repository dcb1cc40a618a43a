import { constants } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { createTar, type TarEntry } from '../../shared/tar.js';
import type { CopyCounts } from './extract-to-host.js';

/** Who the files belong to inside the agent (its user). */
export interface ArchiveOwner {
  uid: number;
  gid: number;
}

/**
 * A tar archive of a host path for the engine's archive API: a directory with everything in it
 * (or, with `contents`, only what is in it), a file, or a link. Links are archived as links with
 * their target as written, never followed, so no file outside `source` is read; a file is read
 * through a descriptor opened without following a link (a link swapped in meanwhile is refused by
 * the kernel). Every entry belongs to `owner`; setuid, setgid and sticky bits are dropped; devices,
 * pipes and sockets are left out. The top entry is named `rootName` (unless `contents`).
 */
export async function packFromHost(
  source: string,
  options: { rootName: string; contents: boolean; owner: ArchiveOwner; signal?: AbortSignal },
): Promise<{ archive: Buffer; counts: CopyCounts }> {
  const counts: CopyCounts = { files: 0, directories: 0, links: 0, bytes: 0, skipped: [] };
  const entries: TarEntry[] = [];
  const { uid, gid } = options.owner;

  const visit = async (at: string, name: string): Promise<void> => {
    options.signal?.throwIfAborted();
    const info = await lstat(at);
    const common = { uid, gid, mode: info.mode & 0o777, mtime: info.mtimeMs };
    if (info.isSymbolicLink()) {
      entries.push({ ...common, name, type: 'symlink', linkTarget: await readlink(at) });
      counts.links += 1;
    } else if (info.isDirectory()) {
      if (name !== '') {
        entries.push({ ...common, name, type: 'directory' });
        counts.directories += 1;
      }
      for (const child of (await readdir(at)).sort())
        await visit(path.join(at, child), name ? `${name}/${child}` : child);
    } else if (info.isFile()) {
      const file = await open(at, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const content = await file.readFile();
        entries.push({ ...common, name, type: 'file', content });
        counts.files += 1;
        counts.bytes += content.length;
      } finally {
        await file.close();
      }
    } else {
      counts.skipped.push(name || path.basename(at));
    }
  };

  await visit(source, options.contents ? '' : options.rootName);
  return { archive: await createTar(entries), counts };
}
