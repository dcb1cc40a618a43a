/**
 * Keeps the values that must never be printed. Every path in io/ that writes passes its text
 * through `mask`, so a secret registered here cannot reach stdout, stderr, --json or --verbose.
 */
export class SecretMasker {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    // Very short values would mask ordinary words; agentctl secrets are keys and tokens.
    if (value && value.length >= 4) this.values.add(value);
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

  /** Masks every string inside a JSON-able value. */
  maskValue<T>(value: T): T {
    if (this.values.size === 0) return value;
    return JSON.parse(this.mask(JSON.stringify(value))) as T;
  }
}
