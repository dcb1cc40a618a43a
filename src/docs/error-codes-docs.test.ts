import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('..', import.meta.url));
const troubleshooting = readFileSync(new URL('../../docs/troubleshooting.md', import.meta.url), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith('.ts') && !full.endsWith('.test.ts') ? [full] : [];
  });
}

/** Every stable error code the program can raise: the first argument of each `new XxxError('CODE'`. */
const codes = [
  ...new Set(
    sources(src).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/new \w+Error\(\s*'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!),
    ),
  ),
].sort();

describe('docs/troubleshooting.md', () => {
  it('finds the error codes in the sources (a sanity check of the scan)', () => {
    expect(codes).toEqual(expect.arrayContaining(['RUNTIME_NOT_FOUND', 'CONFIG_INVALID', 'INTERNAL']));
  });

  it.each(codes)('explains %s (cause and fix)', (code) => {
    const documented =
      troubleshooting.includes(`\`${code}\``) || (code.startsWith('USAGE_') && troubleshooting.includes('`USAGE_*`'));
    expect(documented, `add ${code} to docs/troubleshooting.md`).toBe(true);
  });
});
