import { PassThrough, Readable } from 'node:stream';
import type { Streams } from '../../src/io/io.js';

/** In-memory stdout/stderr/stdin for running main() inside a test. */
export function memoryStreams(
  options: { tty?: boolean } = {},
): Streams & { output(): { stdout: string; stderr: string } } {
  const stdout = Object.assign(new PassThrough(), { isTTY: options.tty ?? false, columns: 100 });
  const stderr = Object.assign(new PassThrough(), { isTTY: options.tty ?? false });
  const stdin = Object.assign(Readable.from([]), { isTTY: options.tty ?? false });
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  stdout.on('data', (c: Buffer) => chunks.stdout.push(c));
  stderr.on('data', (c: Buffer) => chunks.stderr.push(c));
  return {
    stdout,
    stderr,
    stdin,
    output: () => ({
      stdout: Buffer.concat(chunks.stdout).toString(),
      stderr: Buffer.concat(chunks.stderr).toString(),
    }),
  };
}
