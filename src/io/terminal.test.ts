import { describe, expect, it } from 'vitest';
import { DetachDetector, parseDetachKeys } from './terminal.js';

describe('parseDetachKeys', () => {
  it('parses docker-style sequences', () => {
    expect([...parseDetachKeys('ctrl-p,ctrl-q')]).toEqual([16, 17]);
    expect([...parseDetachKeys('ctrl-a')]).toEqual([1]);
    expect([...parseDetachKeys('ctrl-\\,q')]).toEqual([28, 113]);
    expect([...parseDetachKeys('ctrl-@,ctrl-[,ctrl-],ctrl-^,ctrl-_')]).toEqual([0, 27, 29, 30, 31]);
    expect([...parseDetachKeys('CTRL-X,a')]).toEqual([24, 97]);
  });

  it('rejects what docker rejects with a usage error', () => {
    for (const bad of ['', 'ctrl-', 'ctrl-1', 'alt-p', 'ab', 'ctrl-p,,ctrl-q']) {
      expect(() => parseDetachKeys(bad)).toThrowError(
        expect.objectContaining({ code: 'INVALID_DETACH_KEYS', kind: 'usage' }),
      );
    }
  });
});

describe('DetachDetector', () => {
  const keys = parseDetachKeys('ctrl-p,ctrl-q');

  it('detects the sequence split over two reads and forwards nothing of it', () => {
    const detector = new DetachDetector(keys);
    expect(detector.feed(Buffer.from('ab\x10'))).toEqual({ forward: Buffer.from('ab'), detached: false });
    expect(detector.feed(Buffer.from('\x11'))).toEqual({ forward: Buffer.from(''), detached: true });
  });

  it('releases a held prefix when the next key is something else', () => {
    const detector = new DetachDetector(keys);
    expect(detector.feed(Buffer.from('\x10')).forward).toEqual(Buffer.from(''));
    expect(detector.feed(Buffer.from('x'))).toEqual({ forward: Buffer.from('\x10x'), detached: false });
  });

  it('handles a repeated first key (ctrl-p ctrl-p ctrl-q detaches after forwarding one ctrl-p)', () => {
    const detector = new DetachDetector(keys);
    expect(detector.feed(Buffer.from('\x10\x10\x11'))).toEqual({ forward: Buffer.from('\x10'), detached: true });
  });

  it('passes ordinary input through untouched', () => {
    const detector = new DetachDetector(keys);
    const input = Buffer.from('echo hello\r');
    expect(detector.feed(input)).toEqual({ forward: input, detached: false });
  });

  it('works with a single-key sequence', () => {
    const detector = new DetachDetector(parseDetachKeys('ctrl-a'));
    expect(detector.feed(Buffer.from('x\x01y'))).toEqual({ forward: Buffer.from('x'), detached: true });
  });
});
