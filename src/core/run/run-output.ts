import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { FrameDemuxer, type OutputStream } from '../../io/demux.js';

/** Where the agent's output goes as it arrives (each already masked for secrets by the caller). */
export interface RunOutputSinks {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface RunLog {
  path: string;
  write(text: string): void;
  close(): Promise<void>;
}

/** `<logDir>/<agent>-<timestamp>.log`, created with its directory (mode 0600: an agent's output is private). */
export async function openRunLog(logDir: string, agent: string, now: Date): Promise<RunLog> {
  await mkdir(logDir, { recursive: true, mode: 0o700 });
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const path = join(logDir, `${agent}-${stamp}.log`);
  const stream: WriteStream = createWriteStream(path, { mode: 0o600, flags: 'wx' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return {
    path,
    write: (text) => void stream.write(text),
    close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
  };
}

/**
 * Splits the agent's multiplexed output (no TTY) into stdout and stderr and hands each piece on in
 * the order it arrives, masked, to the sinks and the log. Resolves when the stream ends.
 */
export function pumpOutput(stream: Readable, sinks: RunOutputSinks, log: RunLog, mask: (text: string) => string): Promise<void> {
  const decoders: Record<OutputStream, StringDecoder> = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  const emit = (which: OutputStream, text: string) => {
    if (text.length === 0) return;
    const masked = mask(text);
    sinks[which](masked);
    log.write(masked);
  };
  const demuxer = new FrameDemuxer((which, data) => emit(which, decoders[which].write(data)));
  return new Promise<void>((resolve) => {
    const finish = () => {
      emit('stdout', decoders.stdout.end());
      emit('stderr', decoders.stderr.end());
      resolve();
    };
    stream.on('data', (chunk: Buffer) => demuxer.push(chunk));
    stream.once('end', finish);
    stream.once('close', finish);
    // A broken connection ends the output; the exit code still comes from the engine's wait.
    stream.once('error', finish);
  });
}
