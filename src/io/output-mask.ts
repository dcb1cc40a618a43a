/** What knows the secrets to mask (io.secrets is one). */
export interface StreamSecrets {
  readonly isEmpty: boolean;
  /** The values, longest first. */
  list(): readonly string[];
}

export const MASK = Buffer.from('********');

/**
 * Masks secrets in one output stream that arrives in pieces, byte by byte: a secret split between
 * two reads is masked whole, and everything else passes exactly as it came (binary output too).
 * The end of a piece that could begin a secret is held back until the next piece (or `end`).
 * Secrets may be registered while the stream runs: the list is read on every piece.
 */
export class OutputMask {
  private held: Buffer = Buffer.alloc(0);
  private values: Buffer[] = [];
  private known = 0;

  constructor(private readonly secrets: StreamSecrets) {}

  /** What may be printed now. */
  push(data: Buffer): Buffer {
    if (this.held.length === 0 && this.secrets.isEmpty) return data;
    this.refresh();
    const text = replaceAll(this.held.length > 0 ? Buffer.concat([this.held, data]) : data, this.values);
    const pending = pendingLength(text, this.values);
    this.held = Buffer.from(text.subarray(text.length - pending));
    return text.subarray(0, text.length - pending);
  }

  /** What was held back, once the stream has ended (it did not turn out to be a secret). */
  end(): Buffer {
    const rest = this.held;
    this.held = Buffer.alloc(0);
    return rest;
  }

  private refresh(): void {
    const list = this.secrets.list();
    if (list.length === this.known) return;
    this.values = list.map((value) => Buffer.from(value, 'utf8'));
    this.known = list.length;
  }
}

function replaceAll(data: Buffer, values: Buffer[]): Buffer {
  let out = data;
  for (const value of values) {
    let index = out.indexOf(value);
    if (index < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    while (index >= 0) {
      parts.push(out.subarray(from, index), MASK);
      from = index + value.length;
      index = out.indexOf(value, from);
    }
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return out;
}

/** How many bytes at the end of `data` could be the start of a value (the longest such end). */
function pendingLength(data: Buffer, values: Buffer[]): number {
  let longest = 0;
  for (const value of values) {
    for (let length = Math.min(value.length - 1, data.length); length > longest; length -= 1) {
      if (data.subarray(data.length - length).equals(value.subarray(0, length))) {
        longest = length;
        break;
      }
    }
  }
  return longest;
}
