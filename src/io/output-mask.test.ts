import { describe, expect, it } from 'vitest';
import { LineMask, OutputMask } from './output-mask.js';
import { SecretMasker } from './secrets.js';

function masked(secrets: SecretMasker, pieces: Array<string | Buffer>): Buffer {
  const mask = new OutputMask(secrets);
  const out = pieces.map((piece) => mask.push(Buffer.isBuffer(piece) ? piece : Buffer.from(piece)));
  return Buffer.concat([...out, mask.end()]);
}

describe('OutputMask', () => {
  const secrets = new SecretMasker();
  secrets.add('sk-abcdef123');
  secrets.add('tok-xyz9');

  it('masks a secret split between two reads, and one split into every byte', () => {
    expect(masked(secrets, ['key sk-abc', 'def123 end\n']).toString()).toBe('key ******** end\n');
    expect(
      masked(
        secrets,
        [...'a tok-xyz9 b'].map((c) => c),
      ).toString(),
    ).toBe('a ******** b');
  });

  it('holds back only what could begin a secret, and prints it when it turns out not to be one', () => {
    const mask = new OutputMask(secrets);
    expect(mask.push(Buffer.from('output sk-ab')).toString()).toBe('output ');
    expect(mask.push(Buffer.from('x more')).toString()).toBe('sk-abx more');
    expect(mask.push(Buffer.from('ends with tok')).toString()).toBe('ends with ');
    expect(mask.end().toString()).toBe('tok');
  });

  it('keeps other bytes exact (binary output, a multi-byte character split between reads)', () => {
    const binary = Buffer.from([0xff, 0x00, 0xfe, 0x0d, 0x0a, 0xc3]);
    expect(masked(secrets, [binary, Buffer.from([0xbc])]).equals(Buffer.concat([binary, Buffer.from([0xbc])]))).toBe(
      true,
    );
  });

  it('passes the very buffer on while no secret is registered, and masks one registered later', () => {
    const later = new SecretMasker();
    const mask = new OutputMask(later);
    const chunk = Buffer.from('plain sk-abcdef123');
    expect(mask.push(chunk)).toBe(chunk);
    later.add('sk-abcdef123');
    expect(mask.push(Buffer.from(' again sk-abcdef123\n')).toString()).toBe(' again ********\n');
  });
});

describe('SecretMasker', () => {
  it('masks a value without the whitespace around it, so line ends stay', () => {
    const secrets = new SecretMasker();
    secrets.add('file-secret-1\n');
    expect(secrets.mask('a file-secret-1\nb')).toBe('a ********\nb');
  });
});

describe('a multi-line secret was not masked in line-split logs', () => {
  const secrets = new SecretMasker();
  secrets.add('-----BEGIN KEY-----\nabcdef123456\n-----END KEY-----\n');
  secrets.add('tok-xyz9');
  type Line = { line: string; time?: string };
  const run = (lines: Line[]): Line[] => {
    const mask = new LineMask<Line>(secrets);
    return [...lines.flatMap((line) => mask.push(line)), ...mask.end()];
  };

  it('masks the secret over the lines it spans: one masked line, the first line’s time', () => {
    const out = run([
      { line: 'before', time: 't1' },
      { line: 'key: -----BEGIN KEY-----', time: 't2' },
      { line: 'abcdef123456', time: 't3' },
      { line: '-----END KEY----- after tok-xyz9', time: 't4' },
      { line: 'done', time: 't5' },
    ]);
    expect(out).toEqual([
      { line: 'before', time: 't1' },
      { line: 'key: ******** after ********', time: 't2' },
      { line: 'done', time: 't5' },
    ]);
  });

  it('holds back only lines that could begin it, and lets them go when the next line differs', () => {
    const mask = new LineMask<Line>(secrets);
    expect(mask.push({ line: 'plain' })).toEqual([{ line: 'plain' }]);
    expect(mask.push({ line: '-----BEGIN KEY-----' })).toEqual([]);
    expect(mask.push({ line: 'abcdef123456' })).toEqual([]);
    expect(mask.push({ line: 'something else' })).toEqual([
      { line: '-----BEGIN KEY-----' },
      { line: 'abcdef123456' },
      { line: 'something else' },
    ]);
    expect(mask.push({ line: '-----BEGIN KEY-----' })).toEqual([]);
    expect(mask.end()).toEqual([{ line: '-----BEGIN KEY-----' }]);
  });

  it('a secret of one line is masked line by line, nothing held', () => {
    const single = new SecretMasker();
    single.add('sk-abcdef123');
    const mask = new LineMask<Line>(single);
    expect(mask.push({ line: 'key sk-abcdef123 end' })).toEqual([{ line: 'key ******** end' }]);
    expect(mask.end()).toEqual([]);
  });

  it('the byte mask knows the terminal form (\\r\\n) of a multi-line secret', () => {
    const crlf = '-----BEGIN KEY-----\r\nabcdef123456\r\n-----END KEY-----\r\n';
    expect(masked(secrets, [crlf.slice(0, 10), crlf.slice(10)]).toString()).toBe('********\r\n');
    expect(secrets.mask('x -----BEGIN KEY-----\nabcdef123456\n-----END KEY----- y')).toBe('x ******** y');
  });
});
