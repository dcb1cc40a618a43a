import type { Readable, Writable } from 'node:stream';
import { UsageError } from '../shared/errors.js';
import type { TerminalSize } from '../runtime/stream-operations.js';

// One key, so no key the agent uses is held back (see docs/user-guide.md, "Detaching").
export const DEFAULT_DETACH_KEYS = 'ctrl-\\';

const CONTROL_SYMBOLS: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 };

/**
 * Parses a detach sequence in docker's `--detach-keys` syntax: comma-separated keys, each a single
 * character or `ctrl-X` with X one of a-z, @, [, \, ], ^, _ (e.g. "ctrl-p,ctrl-q", "ctrl-\\,q").
 */
export function parseDetachKeys(spec: string): Buffer {
  const bytes: number[] = [];
  const invalid = (key: string) =>
    new UsageError('INVALID_DETACH_KEYS', `Invalid detach key "${key}" in "${spec}"`, {
      hint: 'Use comma-separated keys like "ctrl-p,ctrl-q": a single character or ctrl-<a-z, @, [, \\, ], ^, _>',
    });
  if (spec.trim() === '') throw invalid(spec);
  for (const raw of spec.split(',')) {
    const key = raw.trim();
    if (key.length === 1) {
      bytes.push(key.charCodeAt(0));
      continue;
    }
    const match = /^ctrl-(.)$/i.exec(key);
    if (!match) throw invalid(key);
    const symbol = match[1]!;
    if (/^[a-z]$/i.test(symbol)) bytes.push(symbol.toLowerCase().charCodeAt(0) - 96);
    else if (symbol in CONTROL_SYMBOLS) bytes.push(CONTROL_SYMBOLS[symbol]!);
    else throw invalid(key);
  }
  if (bytes.some((b) => b > 127)) throw invalid(spec);
  return Buffer.from(bytes);
}

/**
 * Watches typed input for the detach sequence. Bytes that could start the sequence are held back
 * until the next key shows whether it is the sequence (then nothing is forwarded) or not (then
 * they are forwarded with it), as docker does.
 */
export class DetachDetector {
  private matched = 0;

  constructor(private readonly sequence: Buffer) {}

  /** Returns what to forward to the agent and whether the sequence was completed. */
  feed(chunk: Buffer): { forward: Buffer; detached: boolean } {
    const sequence = this.sequence;
    if (sequence.length === 0) return { forward: chunk, detached: false };
    const out: number[] = [];
    const advance = (byte: number): boolean => {
      if (byte !== sequence[this.matched]) return false;
      this.matched += 1;
      return true;
    };
    for (const byte of chunk) {
      if (!advance(byte)) {
        // Not the sequence after all: release what was held, then try this byte as a new start.
        for (let i = 0; i < this.matched; i += 1) out.push(sequence[i]!);
        this.matched = 0;
        if (!advance(byte)) out.push(byte);
      }
      if (this.matched === sequence.length) {
        this.matched = 0;
        return { forward: Buffer.from(out), detached: true };
      }
    }
    return { forward: out.length === chunk.length ? chunk : Buffer.from(out), detached: false };
  }
}

export type TerminalInput = Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
export type TerminalOutput = Writable & { isTTY?: boolean; columns?: number; rows?: number };

/**
 * Puts a TTY stdin into raw mode and returns the function that restores it. The restore runs at
 * most once and also on process exit, so an error path cannot leave the user's terminal raw.
 */
export function enterRawMode(stdin: TerminalInput): () => void {
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return () => undefined;
  stdin.setRawMode(true);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.off('exit', restore);
    try {
      stdin.setRawMode?.(false);
    } catch {
      // The terminal is gone (closed window): nothing to restore.
    }
  };
  process.on('exit', restore);
  return restore;
}

export function terminalSize(stdout: TerminalOutput): TerminalSize | undefined {
  if (!stdout.isTTY || !stdout.columns || !stdout.rows) return undefined;
  return { columns: stdout.columns, rows: stdout.rows };
}

/** Calls `onResize` with the new size whenever the terminal is resized (SIGWINCH); returns the unsubscribe. */
export function watchResize(stdout: TerminalOutput, onResize: (size: TerminalSize) => void): () => void {
  if (!stdout.isTTY) return () => undefined;
  const listener = () => {
    const size = terminalSize(stdout);
    if (size) onResize(size);
  };
  // Node's TTY WriteStream emits 'resize' on SIGWINCH.
  stdout.on('resize', listener);
  return () => void stdout.off('resize', listener);
}
