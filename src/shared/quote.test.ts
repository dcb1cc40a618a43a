import { describe, expect, it } from 'vitest';
import { quoteInput } from './quote.js';

describe('quoteInput', () => {
  it('keeps plain and unicode text, and escapes control characters so a message stays one line', () => {
    expect(quoteInput('fixer')).toBe('"fixer"');
    expect(quoteInput('agént')).toBe('"agént"');
    expect(quoteInput('a\nb')).toBe('"a\\nb"');
    expect(quoteInput('\u001b[2Jx')).toBe('"\\u001b[2Jx"');
  });

  it('cuts long values', () => {
    expect(quoteInput('x'.repeat(1000))).toBe(`"${'x'.repeat(80)}…"`);
  });
});
