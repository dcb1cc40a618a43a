import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** Env files and secret files are small; anything larger is a wrong path (a log, an image, a disk). */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024;

export type InputFileProblem =
  { kind: 'unreadable'; code: string } | { kind: 'not-a-file'; what: string } | { kind: 'too-large' };

export class InputFileError extends Error {
  constructor(readonly problem: InputFileProblem) {
    super(describeInputFileProblem(problem));
  }
}

/** "not a regular file (a FIFO)", "larger than 1 MiB", "ENOENT": for the caller's message. */
export function describeInputFileProblem(problem: InputFileProblem): string {
  switch (problem.kind) {
    case 'unreadable':
      return problem.code;
    case 'not-a-file':
      return `not a regular file (${problem.what})`;
    case 'too-large':
      return `larger than ${MAX_INPUT_FILE_BYTES / 1024 / 1024} MiB`;
  }
}

function kindOf(stats: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}

/**
 * Reads a regular file of at most MAX_INPUT_FILE_BYTES. A FIFO, `/dev/zero` or a directory is
 * refused without reading: opening is non-blocking (a FIFO with no writer would wait forever) and
 * the type is checked on the opened descriptor (no race with a swapped path). At most one byte past
 * the limit is read, so a file that grows, or a /proc file that says it is empty, cannot hang it.
 */
export async function readInputFile(file: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new InputFileError({
      kind: 'unreadable',
      code: (error as NodeJS.ErrnoException).code ?? (error as Error).message,
    });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new InputFileError({ kind: 'not-a-file', what: kindOf(stats) });
    if (stats.size > MAX_INPUT_FILE_BYTES) throw new InputFileError({ kind: 'too-large' });
    const buffer = Buffer.alloc(MAX_INPUT_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_INPUT_FILE_BYTES) throw new InputFileError({ kind: 'too-large' });
    }
    return Buffer.from(buffer.subarray(0, length));
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError({
      kind: 'unreadable',
      code: (error as NodeJS.ErrnoException).code ?? (error as Error).message,
    });
  } finally {
    await handle.close();
  }
}
