import { describe, expect, it } from 'vitest';
import { planWrites, splitFrames } from './gateway-files.js';

describe('planWrites (files into the gateway Pod by exec arguments)', () => {
  it('keeps small files in one exec, directories first as given', () => {
    const batches = planWrites([
      { name: 'agents/', type: 'directory', mode: 0o700 },
      { name: 'agents/a.json', type: 'file', mode: 0o600, content: Buffer.from('{}') },
    ]);
    expect(batches).toEqual([
      [
        { name: 'agents/', type: 'directory', mode: 0o700 },
        { name: 'agents/a.json', type: 'file', mode: 0o600, data: 'e30=', first: true, last: true },
      ],
    ]);
  });

  it('splits a large file into chunks under the argument limit that put it back together', () => {
    const content = Buffer.alloc(300 * 1024, 7);
    const batches = planWrites([{ name: 'program/p.cjs', type: 'file', mode: 0o444, content }]);
    expect(batches.length).toBeGreaterThan(3);
    for (const batch of batches) expect(JSON.stringify(batch).length).toBeLessThan(128 * 1024);
    const ops = batches.flat();
    expect(ops[0]!.first).toBe(true);
    expect(ops.filter((op) => op.last)).toHaveLength(1);
    expect(ops.at(-1)!.last).toBe(true);
    expect(Buffer.from(ops.map((op) => op.data).join(''), 'base64').equals(content)).toBe(true);
  });

  it('writes an empty file (a removed registration) as one empty chunk', () => {
    expect(planWrites([{ name: 'a.json', type: 'file', mode: 0o600 }]).flat()).toEqual([
      { name: 'a.json', type: 'file', mode: 0o600, data: '', first: true, last: true },
    ]);
  });
});

describe('splitFrames', () => {
  it("splits an exec's framed output into stdout and stderr", () => {
    const frame = (stream: number, text: string) => {
      const header = Buffer.alloc(8);
      header[0] = stream;
      header.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([header, Buffer.from(text)]);
    };
    const output = Buffer.concat([frame(1, 'ab'), frame(2, 'oops'), frame(1, 'cd')]);
    const { stdout, stderr } = splitFrames(output);
    expect(stdout.toString()).toBe('abcd');
    expect(stderr.toString()).toBe('oops');
  });
});
