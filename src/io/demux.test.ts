import { describe, expect, it } from 'vitest';
import { FrameDemuxer, LineSplitter, type OutputStream } from './demux.js';
import { frame } from '../../test/helpers/frames.js';

function demux(chunks: Buffer[]): Array<[OutputStream, string]> {
  const out: Array<[OutputStream, string]> = [];
  const demuxer = new FrameDemuxer((stream, data) => out.push([stream, data.toString()]));
  for (const chunk of chunks) demuxer.push(chunk);
  return out;
}

describe('FrameDemuxer', () => {
  const stream = Buffer.concat([frame(1, 'out-1\n'), frame(1, 'out-2\n'), frame(2, 'err-1\n'), frame(1, 'out-3\n'), frame(3, 'engine error\n')]);

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
      parts.filter(([s]) => s === which).map(([, t]) => t).join('');
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
