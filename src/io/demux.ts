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

  constructor(private readonly emit: (stream: OutputStream, data: Buffer) => void) {}

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
    }
    flush();
  }

  private startFrame(type: number, length: number): void {
    // 1 = stdout, 2 = stderr; 3 (the engine's own error text) goes to stderr as well.
    this.current = type === 1 || type === 0 ? 'stdout' : 'stderr';
    this.remaining = length;
  }
}

/** Splits a byte stream into complete lines (without the newline), keeping a partial last line for later. */
export class LineSplitter {
  private partial = '';
  // A multi-byte character split between two reads is decoded whole.
  private readonly decoder = new StringDecoder('utf8');

  /** The complete lines in `chunk` (after what was held back), without `\n` or a `\r\n` ending. */
  push(chunk: Buffer): string[] {
    const text = this.partial + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.partial = lines.pop()!;
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
