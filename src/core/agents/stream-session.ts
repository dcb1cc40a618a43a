import type { Duplex, Writable } from 'node:stream';
import { FrameDemuxer } from '../../io/demux.js';
import { OutputMask, type StreamSecrets } from '../../io/output-mask.js';
import {
  DetachDetector,
  enterRawMode,
  terminalSize,
  watchResize,
  type TerminalInput,
  type TerminalOutput,
} from '../../io/terminal.js';
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
  /** Send our stdin to the process. */
  forwardStdin: boolean;
  /**
   * What the end of our stdin does: `close` half-closes the connection, so the process reads EOF
   * (exec); `keep` only stops sending and output goes on until the process ends (attach: Docker
   * ends a container attach's output when its stdin is closed, and the agent's stdin stays open
   * for the next attach anyway).
   */
  stdinEnd?: 'close' | 'keep';
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
export type OutputMasker = StreamSecrets;

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
  // One mask per output, so a character or a secret split between two reads is masked whole.
  const masks = new Map<Writable, OutputMask>();
  const write = (target: Writable, data: Buffer) => {
    const secrets = options.secrets;
    if (!secrets) return void target.write(data);
    let mask = masks.get(target);
    if (!mask) masks.set(target, (mask = new OutputMask(secrets)));
    const bytes = mask.push(data);
    if (bytes.length > 0) target.write(bytes);
  };
  const flushMasks = () => {
    for (const [target, mask] of masks) {
      const rest = mask.end();
      if (rest.length > 0) target.write(rest);
    }
  };
  // Output held back (raw, as received) after `holdFirst` said so; replayed on request.
  let held: Buffer[] | undefined;
  let first = true;
  const demuxer = options.tty
    ? undefined
    : new FrameDemuxer((stream, data) => write(stream === 'stdout' ? streams.stdout : streams.stderr, data));
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
        flushMasks();
        if (!held) return resolve({ detached });
        const chunks = held;
        const replay = () => {
          chunks.forEach(deliver);
          flushMasks();
        };
        resolve({ detached, held: { text: Buffer.concat(chunks).toString('utf8'), replay } });
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
        sized = (options.redraw ? resize(larger).catch(() => undefined) : Promise.resolve())
          .then(() => resize(initial))
          .catch(() => undefined);
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
        const onEnd = () => {
          if ((options.stdinEnd ?? 'close') === 'close') connection.end();
        };
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
