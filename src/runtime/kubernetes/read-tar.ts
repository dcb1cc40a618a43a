import type { TarEntry } from '../../shared/tar.js';

/**
 * Reads a POSIX ustar archive as createTar (shared/tar.ts) writes it: the Kubernetes backend
 * turns the archives the core hands to `putArchive` (secrets, the home directory's owner) into a
 * Secret and Pod settings instead of files in a container.
 */
export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const text = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const number = (start: number, length: number) => Number.parseInt(text(start, length).trim() || '0', 8);
    const size = number(124, 12);
    const type = text(156, 1);
    const name = text(0, 100).replace(/\/$/, '');
    offset += 512;
    const content = archive.subarray(offset, offset + size);
    offset += Math.ceil(size / 512) * 512;
    if (type !== '0' && type !== '' && type !== '5')
      throw new Error(`unsupported tar entry type "${type}" for ${name}`);
    entries.push({
      name,
      type: type === '5' ? 'directory' : 'file',
      mode: number(100, 8),
      uid: number(108, 8),
      gid: number(116, 8),
      ...(type === '5' ? {} : { content: Buffer.from(content) }),
      mtime: number(136, 12) * 1000,
    });
  }
  return entries;
}
