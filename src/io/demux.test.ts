import { describe, expect, it } from 'vitest';
import {
  ContinuedLineTimestamps,
  FrameDemuxer,
  LineSplitter,
  TerminalLineEndings,
  type OutputStream,
} from './demux.js';
import { frame } from '../../test/helpers/frames.js';

function demux(chunks: Buffer[]): Array<[OutputStream, string]> {
  const out: Array<[OutputStream, string]> = [];
  const demuxer = new FrameDemuxer((stream, data) => out.push([stream, data.toString()]));
  for (const chunk of chunks) demuxer.push(chunk);
  return out;
}

describe('FrameDemuxer', () => {
  const stream = Buffer.concat([
    frame(1, 'out-1\n'),
    frame(1, 'out-2\n'),
    frame(2, 'err-1\n'),
    frame(1, 'out-3\n'),
    frame(3, 'engine error\n'),
  ]);

  it('separates stdout from stderr and joins consecutive frames of one stream', () => {
    expect(demux([stream])).toEqual([
      ['stdout', 'out-1\nout-2\n'],
      ['stderr', 'err-1\n'],
      ['stdout', 'out-3\n'],
      ['stderr', 'engine error\n'],
    ]);
  });

  it('gives the same bytes whatever the read boundaries (headers and payloads split)', () => {
    const joined = (parts: Array<[OutputStream, string]>, which: OutputStream) =>
      parts
        .filter(([s]) => s === which)
        .map(([, t]) => t)
        .join('');
    for (const size of [1, 3, 7, 8, 9, 13]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
      const parts = demux(chunks);
      expect(joined(parts, 'stdout')).toBe('out-1\nout-2\nout-3\n');
      expect(joined(parts, 'stderr')).toBe('err-1\nengine error\n');
    }
  });

  it('handles empty frames', () => {
    expect(demux([Buffer.concat([frame(1, ''), frame(2, 'x')])])).toEqual([['stderr', 'x']]);
  });
});

describe('LineSplitter', () => {
  it('keeps a partial line until its end arrives, and strips \\r\\n', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from('one\r\ntw'))).toEqual(['one']);
    expect(splitter.push(Buffer.from('o\nthree'))).toEqual(['two']);
    expect(splitter.end()).toBe('three');
    expect(splitter.end()).toBeUndefined();
  });

  it('decodes a multi-byte character split between reads', () => {
    const splitter = new LineSplitter();
    const bytes = Buffer.from('grüße\n');
    expect(splitter.push(bytes.subarray(0, 3))).toEqual([]);
    expect(splitter.push(bytes.subarray(3))).toEqual(['grüße']);
  });
});

describe('LineSplitter without stripping', () => {
  it('keeps a \r before the newline (output without a TTY stays exact)', () => {
    const splitter = new LineSplitter({ stripCarriageReturn: false });
    expect(splitter.push(Buffer.from('dos\r\nunix\n'))).toEqual(['dos\r', 'unix']);
  });
});

describe('TerminalLineEndings', () => {
  it('turns \r\n into \n, also split between reads, and keeps a lone \r', () => {
    const endings = new TerminalLineEndings();
    const out = [
      endings.push(Buffer.from('one\r\ntwo\r')),
      endings.push(Buffer.from('\nbar\rdone\r')),
      endings.push(Buffer.from('x')),
      endings.push(Buffer.from('end\r')),
    ];
    expect(Buffer.concat([...out, endings.end()]).toString()).toBe('one\ntwo\nbar\rdone\rxend\r');
  });
});

describe('ContinuedLineTimestamps', () => {
  it("drops the engine's timestamp of an entry that continues a line, and only that one", () => {
    const entries = new ContinuedLineTimestamps();
    const pieces = [
      '2026-12-01T22:04:34Z split sk-te',
      '2026-12-01T22:04:35Z st-9 end\n',
      '2026-12-01T22:04:36.123456789Z next\n',
    ];
    expect(pieces.map((piece) => entries.push(Buffer.from(piece)).toString()).join('')).toBe(
      '2026-12-01T22:04:34Z split sk-test-9 end\n2026-12-01T22:04:36.123456789Z next\n',
    );
  });
});

describe('FrameDemuxer per frame', () => {
  it('hands on each frame by itself', () => {
    const out: string[] = [];
    const demuxer = new FrameDemuxer((_stream, data) => out.push(data.toString()), { perFrame: true });
    demuxer.push(Buffer.concat([frame(1, 'a'), frame(1, 'b\n')]));
    expect(out).toEqual(['a', 'b\n']);
  });
});
