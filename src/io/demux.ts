import { StringDecoder } from 'node:string_decoder';

export type OutputStream = 'stdout' | 'stderr';

/**
 * Splits the engine's multiplexed stream (8-byte headers: stream type, 3 zero bytes, payload length
 * big-endian) into stdout and stderr. Consecutive frames of the same stream within one read are
 * handed on together, so a log of many short lines becomes few large writes.
 */
export class FrameDemuxer {
  private readonly header = Buffer.alloc(8);
  private headerFill = 0;
  private remaining = 0;
  private current: OutputStream = 'stdout';

  /** With `perFrame`, each frame is handed on by itself (its bounds matter: one log entry each). */
  constructor(
    private readonly emit: (stream: OutputStream, data: Buffer) => void,
    private readonly options: { perFrame?: boolean } = {},
  ) {}

  push(chunk: Buffer): void {
    let offset = 0;
    let runStream: OutputStream = 'stdout';
    const run: Buffer[] = [];
    const flush = () => {
      if (run.length === 0) return;
      this.emit(runStream, run.length === 1 ? run[0]! : Buffer.concat(run));
      run.length = 0;
    };
    while (offset < chunk.length) {
      if (this.remaining === 0) {
        if (this.headerFill === 0 && chunk.length - offset >= 8) {
          this.startFrame(chunk[offset]!, chunk.readUInt32BE(offset + 4));
          offset += 8;
          continue;
        }
        const take = Math.min(8 - this.headerFill, chunk.length - offset);
        chunk.copy(this.header, this.headerFill, offset, offset + take);
        this.headerFill += take;
        offset += take;
        if (this.headerFill === 8) {
          this.headerFill = 0;
          this.startFrame(this.header[0]!, this.header.readUInt32BE(4));
        }
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - offset);
      if (run.length > 0 && runStream !== this.current) flush();
      runStream = this.current;
      run.push(chunk.subarray(offset, offset + take));
      offset += take;
      this.remaining -= take;
      if (this.options.perFrame && this.remaining === 0) flush();
    }
    flush();
  }

  private startFrame(type: number, length: number): void {
    // 1 = stdout, 2 = stderr; 3 (the engine's own error text) goes to stderr as well.
    this.current = type === 1 || type === 0 ? 'stdout' : 'stderr';
    this.remaining = length;
  }
}

/**
 * Splits a byte stream into complete lines (without the newline), keeping a partial last line for
 * later. A terminal ends lines with `\r\n`: with `stripCarriageReturn` (the default; output of a
 * TTY) that `\r` goes too; without it (output without a TTY) the line keeps every byte it had.
 */
export class LineSplitter {
  private partial = '';
  // A multi-byte character split between two reads is decoded whole.
  private readonly decoder = new StringDecoder('utf8');
  private readonly stripCarriageReturn: boolean;

  constructor(options: { stripCarriageReturn?: boolean } = {}) {
    this.stripCarriageReturn = options.stripCarriageReturn ?? true;
  }

  /** The complete lines in `chunk` (after what was held back), without `\n` (nor a `\r` before it, when stripped). */
  push(chunk: Buffer): string[] {
    const text = this.partial + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.partial = lines.pop()!;
    if (!this.stripCarriageReturn) return lines;
    for (let i = 0; i < lines.length; i += 1) {
      const line = lines[i]!;
      if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
    }
    return lines;
  }

  /** The unterminated last line, if any. */
  end(): string | undefined {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    return rest === '' ? undefined : rest;
  }
}

/**
 * Turns a terminal's `\r\n` line endings into `\n` in a byte stream that arrives in pieces (a `\r`
 * at the end of a piece waits for the next). Any other `\r` (a progress bar redrawing its line) stays.
 */
export class TerminalLineEndings {
  private carriageReturn = false;

  push(chunk: Buffer): Buffer {
    let data = chunk;
    if (this.carriageReturn) {
      this.carriageReturn = false;
      if (data[0] !== 0x0a) data = Buffer.concat([CR, data]);
    }
    if (data.length > 0 && data[data.length - 1] === 0x0d) {
      this.carriageReturn = true;
      data = data.subarray(0, -1);
    }
    if (!data.includes(CRLF)) return data;
    const parts: Buffer[] = [];
    let from = 0;
    for (let index = data.indexOf(CRLF); index >= 0; index = data.indexOf(CRLF, from)) {
      parts.push(data.subarray(from, index));
      from = index + 1;
    }
    parts.push(data.subarray(from));
    return Buffer.concat(parts);
  }

  /** A `\r` still held when the stream ends. */
  end(): Buffer {
    const rest = this.carriageReturn ? CR : Buffer.alloc(0);
    this.carriageReturn = false;
    return rest;
  }
}

const CR = Buffer.from('\r');
const CRLF = Buffer.from('\r\n');

const TIMESTAMP_PREFIX = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) /;

/**
 * With `--timestamps`, an engine that logs a line written in pieces as several entries (Podman)
 * puts a timestamp before each piece, inside the line. This drops the timestamp of an entry that
 * continues a line, so the line reads (and is masked) as the agent wrote it. Fed one entry (frame)
 * at a time.
 */
export class ContinuedLineTimestamps {
  private continuing = false;

  push(entry: Buffer): Buffer {
    let data = entry;
    if (this.continuing) {
      const match = TIMESTAMP_PREFIX.exec(data.subarray(0, 64).toString('latin1'));
      if (match) data = data.subarray(match[0].length);
    }
    if (entry.length > 0) this.continuing = entry[entry.length - 1] !== 0x0a;
    return data;
  }
}
