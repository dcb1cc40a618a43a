import { Duplex } from 'node:stream';
import type { V1Status } from '@kubernetes/client-node';
import type { TerminalSize } from '../stream-operations.js';

/** Channels of the API server's stream protocol (v4.channel.k8s.io). */
export const STDIN = 0;
export const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
/** v5 only: closes the channel named in the next byte (stdin's end). */
const CLOSE = 255;

export interface WebSocketLike {
  send(data: Buffer | string, callback?: (error?: Error) => void): void;
  close(): void;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  readyState: number;
  protocol?: string;
}

/**
 * One exec or attach session as a Duplex in the engine API's shape: raw bytes with a TTY, else
 * stdout and stderr as 8-byte-header frames (src/io/demux.ts reads both). Writes go to stdin.
 * With detach keys, the sequence typed on stdin ends the session (the API server has no detach).
 */
export class ChannelStream extends Duplex {
  status: V1Status | undefined;
  ended = false;
  private socket: WebSocketLike | undefined;
  private readonly detach: Buffer | undefined;
  private held = Buffer.alloc(0);
  private readonly queued: Array<[Buffer, ((error?: Error) => void) | undefined]> = [];
  detached = false;

  constructor(
    private readonly tty: boolean,
    detachKeys?: string,
  ) {
    super();
    this.detach = detachKeys ? parseDetachKeys(detachKeys) : undefined;
  }

  attachSocket(socket: WebSocketLike): void {
    if (this.destroyed || this.ended) {
      socket.close();
      return;
    }
    this.socket = socket;
    socket.on('close', () => this.finish());
    socket.on('error', (error) => this.destroy(error));
    // What was typed (or resized) while the Pod was still starting goes out now.
    for (const [data, callback] of this.queued.splice(0)) socket.send(data, callback);
  }

  /** Data from the API server on channel `stream`. */
  receive(stream: number, data: Buffer): void {
    if (stream === STATUS) {
      try {
        this.status = JSON.parse(data.toString('utf8')) as V1Status;
      } catch {
        // not a status document
      }
      return;
    }
    if (stream !== STDOUT && stream !== STDERR) return;
    if (data.length === 0) return;
    if (this.tty) this.push(data);
    else {
      const header = Buffer.alloc(8);
      header[0] = stream;
      header.writeUInt32BE(data.length, 4);
      this.push(Buffer.concat([header, data]));
    }
  }

  resize(size: TerminalSize): void {
    this.send(RESIZE, Buffer.from(JSON.stringify({ Width: size.columns, Height: size.rows })));
  }

  private send(channel: number, data: Buffer, callback?: (error?: Error) => void): void {
    if (!this.socket && !this.ended) {
      this.queued.push([Buffer.concat([Buffer.from([channel]), data]), callback]);
      return;
    }
    if (!this.socket || this.socket.readyState !== 1) {
      callback?.();
      return;
    }
    this.socket.send(Buffer.concat([Buffer.from([channel]), data]), callback);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.push(null);
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.detach) {
      this.send(STDIN, chunk, (error) => callback(error ?? null));
      return;
    }
    // Bytes that may start the detach sequence are held back until the next ones tell.
    const data = Buffer.concat([this.held, chunk]);
    this.held = Buffer.alloc(0);
    let matched = 0;
    for (let index = 0; index < data.length; index += 1) {
      matched = data[index] === this.detach[matched] ? matched + 1 : data[index] === this.detach[0] ? 1 : 0;
      if (matched === this.detach.length) {
        const before = data.subarray(0, index + 1 - this.detach.length);
        this.detached = true;
        if (before.length > 0) this.send(STDIN, before);
        this.socket?.close();
        this.finish();
        callback();
        return;
      }
    }
    this.held = Buffer.from(data.subarray(data.length - matched));
    const ready = data.subarray(0, data.length - matched);
    if (ready.length === 0) callback();
    else this.send(STDIN, ready, (error) => callback(error ?? null));
  }

  /**
   * The end of stdin. The v5 channel protocol (Kubernetes 1.29 and later) can say so; with v4 the
   * only way would be closing the socket, which would lose the command's output and exit code, so
   * the command simply sees no end of input there.
   */
  override _final(callback: (error?: Error | null) => void): void {
    if (this.socket?.protocol === 'v5.channel.k8s.io' && this.socket.readyState === 1) {
      this.socket.send(Buffer.from([CLOSE, STDIN]), (error) => callback(error ?? null));
      return;
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.socket && this.socket.readyState <= 1) this.socket.close();
    callback(error);
  }

  /** The exit code in the final status: 0 on Success, the NonZeroExitCode cause otherwise. */
  exitCode(): number | undefined {
    return exitCodeOf(this.status);
  }
}

export function exitCodeOf(status: V1Status | undefined): number | undefined {
  if (!status) return undefined;
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((item) => item.reason === 'ExitCode');
  if (cause?.message !== undefined) return Number(cause.message);
  // The process could not be started at all (no such executable: as a shell says).
  return /not found|no such file/i.test(status.message ?? '') ? 127 : 126;
}

/** `ctrl-p,ctrl-q` → the bytes typed: 0x10 0x11. */
export function parseDetachKeys(keys: string): Buffer {
  return Buffer.from(
    keys.split(',').map((key) => {
      const control = /^ctrl-(.)$/i.exec(key.trim());
      if (control) {
        const char = control[1]!.toLowerCase();
        if (char === '@') return 0;
        if (char >= 'a' && char <= 'z') return char.charCodeAt(0) - 96;
        return { '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 }[char] ?? char.charCodeAt(0);
      }
      return key.trim().charCodeAt(0);
    }),
  );
}
