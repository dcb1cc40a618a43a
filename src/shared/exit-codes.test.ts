import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from './exit-codes.js';

const doc = readFileSync(new URL('../../docs/exit-codes.md', import.meta.url), 'utf8');

describe('exit codes', () => {
  it('are unique', () => {
    const codes = Object.values(EXIT_CODES).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it.each(Object.entries(EXIT_CODES))(
    'documents %s in docs/exit-codes.md with its code and meaning',
    (kind, { code, meaning }) => {
      expect(doc).toContain(`| ${code} | ${kind} | ${meaning} |`);
    },
  );

  it('documents no code that the program does not define', () => {
    const rows = [...doc.matchAll(/^\| (\d+) \| ([a-z-]+) \|/gm)].map((m) => m[2]);
    expect(rows.sort()).toEqual(Object.keys(EXIT_CODES).sort());
  });
});
