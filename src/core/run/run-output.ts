import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { FrameDemuxer, type OutputStream } from '../../io/demux.js';
import { OutputMask, type StreamSecrets } from '../../io/output-mask.js';

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
export function pumpOutput(
  stream: Readable,
  sinks: RunOutputSinks,
  log: RunLog,
  mask: (text: string) => string,
  secrets?: StreamSecrets,
): Promise<void> {
  const decoders: Record<OutputStream, StringDecoder> = {
    stdout: new StringDecoder('utf8'),
    stderr: new StringDecoder('utf8'),
  };
  // With the secrets' list, each stream is masked on its bytes first: a secret split between two
  // frames is masked whole (the text mask below alone sees each piece on its own).
  const masks = secrets ? { stdout: new OutputMask(secrets), stderr: new OutputMask(secrets) } : undefined;
  const emit = (which: OutputStream, text: string) => {
    if (text.length === 0) return;
    const masked = mask(text);
    sinks[which](masked);
    log.write(masked);
  };
  const demuxer = new FrameDemuxer((which, data) =>
    emit(which, decoders[which].write(masks ? masks[which].push(data) : data)),
  );
  return new Promise<void>((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      for (const which of ['stdout', 'stderr'] as const) {
        if (masks) emit(which, decoders[which].write(masks[which].end()));
        emit(which, decoders[which].end());
      }
      resolve();
    };
    stream.on('data', (chunk: Buffer) => demuxer.push(chunk));
    stream.once('end', finish);
    stream.once('close', finish);
    // A broken connection ends the output; the exit code still comes from the engine's wait.
    stream.once('error', finish);
  });
}
