import type { Readable } from 'node:stream';
import { loadTarStream } from '../shared/tar.js';
import type { ContainerPathStat } from './archive-operations.js';

/** What the first entry of a tar stream is (the path an engine archived); the rest is not read. */
export async function readFirstHeader(stream: Readable): Promise<ContainerPathStat | undefined> {
  const { extract } = await loadTarStream();
  const parser = extract();
  return new Promise((resolve, reject) => {
    parser.once(
      'entry',
      (
        header: { type?: string; name: string; size?: number; mode?: number; linkname?: string | null },
        entry: { resume(): void },
      ) => {
        entry.resume();
        stream.destroy();
        const kind =
          header.type === 'directory'
            ? 'directory'
            : header.type === 'symlink'
              ? 'symlink'
              : header.type === 'file' || header.type === 'contiguous-file'
                ? 'file'
                : 'other';
        resolve({
          name: header.name.replace(/\/$/, '').split('/').pop() ?? '',
          kind,
          size: header.size ?? 0,
          mode: (header.mode ?? 0) & 0o7777,
          linkTarget: header.linkname ?? '',
        });
      },
    );
    parser.on('finish', () => resolve(undefined));
    parser.on('error', reject);
    stream.on('error', reject);
    stream.pipe(parser);
  });
}
