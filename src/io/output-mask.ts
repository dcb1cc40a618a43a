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

/**
 * Masks secrets in output that arrives as whole lines (logs split into lines, with a time and a
 * stream each): a secret of several lines (a PEM key) spans lines, so lines are masked together,
 * not one by one. Lines that could begin such a secret are held back until the next line shows
 * whether it follows (or `end`). A secret found over several lines becomes one line `********`
 * (with the first line's time). One mask per stream of lines.
 */
export class LineMask<T extends { line: string }> {
  private held: T[] = [];

  constructor(private readonly secrets: StreamSecrets) {}

  /** The lines that may be printed now (none, this one, or held ones with it). */
  push(line: T): T[] {
    if (this.held.length === 0 && this.secrets.isEmpty) return [line];
    const values = this.secrets.list();
    const multiLine = values.filter((value) => value.includes('\n'));
    if (this.held.length === 0 && multiLine.length === 0) return [{ ...line, line: maskText(line.line, values) }];
    const lines = maskLines([...this.held, line], values);
    // The text so far ends with a line end: what could be the start of a secret, from there on, waits.
    const text = `${lines.map((item) => item.line).join('\n')}\n`;
    const pending = pendingText(text, multiLine);
    const waitFrom = pending === 0 ? lines.length : countNewlines(text.slice(0, text.length - pending));
    this.held = lines.slice(waitFrom);
    return lines.slice(0, waitFrom);
  }

  /** What was held back, once the stream has ended. */
  end(): T[] {
    const rest = this.held;
    this.held = [];
    return rest;
  }
}

function maskText(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) if (out.includes(value)) out = out.split(value).join(MASK_TEXT);
  return out;
}

const MASK_TEXT = MASK.toString();

/**
 * The lines joined by `\n`, every secret (longest first where two start at one place) replaced by
 * the mask, split again; each resulting line keeps the fields of the line it starts in.
 */
function maskLines<T extends { line: string }>(lines: T[], values: readonly string[]): T[] {
  const text = lines.map((item) => item.line).join('\n');
  const result: T[] = [];
  let origin = 0;
  let current = '';
  let source = 0;
  const plain = (segment: string) => {
    const parts = segment.split('\n');
    current += parts[0];
    for (const part of parts.slice(1)) {
      result.push({ ...lines[origin]!, line: current });
      source += 1;
      origin = source;
      current = part;
    }
  };
  let position = 0;
  for (;;) {
    let found = -1;
    let length = 0;
    for (const value of values) {
      const index = text.indexOf(value, position);
      if (index >= 0 && (found < 0 || index < found || (index === found && value.length > length))) {
        found = index;
        length = value.length;
      }
    }
    if (found < 0) break;
    plain(text.slice(position, found));
    current += MASK_TEXT;
    source += countNewlines(text.slice(found, found + length));
    position = found + length;
  }
  plain(text.slice(position));
  result.push({ ...lines[origin]!, line: current });
  return result;
}

function countNewlines(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) count += 1;
  return count;
}

/**
 * How many characters at the end of `text` (which ends with a line end) could be the start of one
 * of `values`, the longest such end. Such an end is a start of a value that stops after one of its
 * line ends, so only those few places of each value are compared.
 */
function pendingText(text: string, values: readonly string[]): number {
  let longest = 0;
  for (const value of values) {
    for (let end = value.indexOf('\n'); end >= 0 && end + 1 < value.length; end = value.indexOf('\n', end + 1)) {
      if (end + 1 > longest && text.endsWith(value.slice(0, end + 1))) longest = end + 1;
    }
  }
  return longest;
}
