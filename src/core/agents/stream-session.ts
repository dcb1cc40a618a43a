import { StringDecoder } from 'node:string_decoder';
import type { Duplex, Writable } from 'node:stream';
import { FrameDemuxer } from '../../io/demux.js';
import { DetachDetector, enterRawMode, terminalSize, watchResize, type TerminalInput, type TerminalOutput } from '../../io/terminal.js';
import type { TerminalSize } from '../../runtime/stream-operations.js';

export interface TerminalStreams {
  stdin: TerminalInput;
  stdout: TerminalOutput;
  stderr: Writable;
}

export interface SessionOptions {
  connection: Duplex;
  /** The process has a TTY: output is one raw stream, not multiplexed. */
  tty: boolean;
  /** Send our stdin to the process (half-closing the connection when it ends). */
  forwardStdin: boolean;
  /** Detach sequence, watched only when stdin is a terminal. */
  detachKeys?: Buffer;
  streams: TerminalStreams;
  signal: AbortSignal;
  /** Masks secrets in output (checked per write: secrets may be registered while attached). */
  secrets?: OutputMasker;
  /** Called with the terminal size at the start and on every resize (TTY sessions on a terminal). */
  resize?: (size: TerminalSize) => Promise<void>;
  /**
   * Make a running full-screen program redraw on attach: the size is first set one larger, so the
   * real size is a change and the program gets SIGWINCH.
   */
  redraw?: boolean;
  /**
   * Sees the first output chunk; returning true holds it back (e.g. the engine's own "exec failed"
   * text, replaced by a clearer message); all later output is then held too and returned as `held`.
   */
  holdFirst?: (chunk: Buffer) => boolean;
}

/** What masks secrets (io.secrets); while it is empty, bytes pass untouched. */
export interface OutputMasker {
  readonly isEmpty: boolean;
  mask(text: string): string;
}

export interface SessionResult {
  detached: boolean;
  /** Output held back by `holdFirst`: its text (frame headers included) and a way to print it after all. */
  held?: { text: string; replay: () => void };
}

/**
 * Connects the user's terminal to a hijacked attach/exec connection until the process's output
 * ends, the detach keys are typed, or the signal aborts. The terminal is restored on every path.
 */
export async function runSession(options: SessionOptions): Promise<SessionResult> {
  const { connection, streams } = options;
  const cleanups: Array<() => void> = [];
  // One decoder per output, so a character split between two reads is masked whole.
  const decoders = new Map<Writable, StringDecoder>();
  const write = (target: Writable, data: Buffer) => {
    const secrets = options.secrets;
    if (!secrets || (secrets.isEmpty && !decoders.has(target))) return void target.write(data);
    let decoder = decoders.get(target);
    if (!decoder) decoders.set(target, (decoder = new StringDecoder('utf8')));
    target.write(secrets.mask(decoder.write(data)));
  };
  // Output held back (raw, as received) after `holdFirst` said so; replayed on request.
  let held: Buffer[] | undefined;
  let first = true;
  const demuxer = options.tty ? undefined : new FrameDemuxer((stream, data) => write(stream === 'stdout' ? streams.stdout : streams.stderr, data));
  const deliver = (chunk: Buffer) => {
    if (demuxer) demuxer.push(chunk);
    else write(streams.stdout, chunk);
  };
  const onOutput = (chunk: Buffer) => {
    if (held) return void held.push(chunk);
    if (first) {
      first = false;
      const payload = demuxer ? chunk.subarray(8) : chunk;
      if (options.holdFirst?.(payload)) return void (held = [chunk]);
    }
    deliver(chunk);
  };

  try {
    return await new Promise<SessionResult>((resolve, reject) => {
      const finish = (detached: boolean) => {
        if (!held) return resolve({ detached });
        const chunks = held;
        resolve({ detached, held: { text: Buffer.concat(chunks).toString('utf8'), replay: () => chunks.forEach(deliver) } });
      };
      connection.on('data', onOutput);
      connection.once('end', () => finish(false));
      connection.once('close', () => finish(false));
      connection.once('error', (error: NodeJS.ErrnoException) => {
        // A reset after the process ended is an ordinary end of the stream.
        if (error.code === 'ECONNRESET' || error.code === 'EPIPE') finish(false);
        else reject(error);
      });
      const onAbort = () => reject(options.signal.reason);
      if (options.signal.aborted) return onAbort();
      options.signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => options.signal.removeEventListener('abort', onAbort));

      // Input waits for the first resize, so what is typed right away runs at the right size.
      let sized: Promise<unknown> = Promise.resolve();
      if (options.tty && options.resize && terminalSize(streams.stdout)) {
        const resize = options.resize;
        const forward = (size: TerminalSize) => void resize(size).catch(() => undefined);
        const initial = terminalSize(streams.stdout)!;
        const larger = { columns: initial.columns + 1, rows: initial.rows + 1 };
        sized = (options.redraw ? resize(larger).catch(() => undefined) : Promise.resolve()).then(() => resize(initial)).catch(() => undefined);
        cleanups.push(watchResize(streams.stdout, forward));
      }

      if (options.forwardStdin) {
        const stdin = streams.stdin;
        if (options.tty && stdin.isTTY) cleanups.push(enterRawMode(stdin));
        const detector = stdin.isTTY && options.detachKeys ? new DetachDetector(options.detachKeys) : undefined;
        const onInput = (chunk: Buffer) => {
          if (!detector) return void connection.write(chunk);
          const { forward, detached } = detector.feed(chunk);
          if (forward.length > 0) connection.write(forward);
          if (detached) finish(true);
        };
        const onEnd = () => connection.end();
        let active = true;
        void sized.then(() => {
          if (!active) return;
          stdin.on('data', onInput);
          stdin.once('end', onEnd);
          stdin.resume();
        });
        cleanups.push(() => {
          active = false;
          stdin.off('data', onInput);
          stdin.off('end', onEnd);
          stdin.pause();
        });
      }
    });
  } finally {
    for (const cleanup of cleanups.reverse()) cleanup();
    connection.off('data', onOutput);
    connection.destroy();
  }
}
