/**
 * Keeps the values that must never be printed. Every path in io/ that writes passes its text
 * through `mask`, so a secret registered here cannot reach stdout, stderr, --json or --verbose.
 */
export class SecretMasker {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    // Without the whitespace around it (a file's final newline): masking the rest masks every
    // occurrence of the value too, and leaves the line ends of the output alone.
    const trimmed = value?.trim();
    // Very short values would mask ordinary words; agentctl secrets are keys and tokens.
    if (!trimmed || trimmed.length < 4) return;
    this.values.add(trimmed);
    // A multi-line value (a PEM key) comes back through a terminal with `\r\n` line ends, and from
    // line-split logs with `\n`: both forms are masked.
    if (trimmed.includes('\n')) {
      this.values.add(trimmed.replace(/\r?\n/g, '\n'));
      this.values.add(trimmed.replace(/\r?\n/g, '\r\n'));
    }
  }

  /** True when nothing is registered (output may then be passed on as bytes, unmasked). */
  get isEmpty(): boolean {
    return this.values.size === 0;
  }

  mask(text: string): string {
    let out = text;
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      if (out.includes(value)) out = out.split(value).join('********');
    }
    return out;
  }

  /** The registered values, longest first (for masking output that arrives in pieces: output-mask.ts). */
  list(): string[] {
    return [...this.values].sort((a, b) => b.length - a.length);
  }

  /** Masks every string inside a JSON-able value. */
  maskValue<T>(value: T): T {
    if (this.values.size === 0) return value;
    return JSON.parse(this.mask(JSON.stringify(value))) as T;
  }
}
