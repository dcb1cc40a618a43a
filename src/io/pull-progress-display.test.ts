import { describe, expect, it } from 'vitest';
import { memoryStreams } from '../../test/helpers/memory-streams.js';
import { Io } from './io.js';
import { createPullProgressDisplay, formatBytes, phaseOf, PullProgressModel } from './pull-progress-display.js';

const events = [
  { status: 'Pulling from agentctl/agent', id: '1.0.0' },
  { status: 'Pulling fs layer', id: 'aaaaaaaaaaaa1111' },
  { status: 'Pulling fs layer', id: 'bbbbbbbbbbbb2222' },
  { status: 'Downloading', id: 'aaaaaaaaaaaa1111', current: 1024 * 1024, total: 4 * 1024 * 1024 },
  { status: 'Download complete', id: 'bbbbbbbbbbbb2222' },
  { status: 'Extracting', id: 'aaaaaaaaaaaa1111', current: 4 * 1024 * 1024, total: 4 * 1024 * 1024 },
  { status: 'Pull complete', id: 'aaaaaaaaaaaa1111' },
  { status: 'Digest: sha256:abc' },
  { status: 'Status: Downloaded newer image for agentctl/agent:1.0.0' },
];

describe('pull progress', () => {
  it('formats byte counts compactly', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 kB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MB');
  });

  it('keeps one line per layer with downloaded/total bytes and a total', () => {
    const model = new PullProgressModel();
    model.header = 'Pulling x';
    for (const event of events.slice(0, 4)) model.apply(event);
    expect(model.lines()).toEqual([
      'Pulling x',
      '  aaaaaaaaaaaa  Downloading 1.0 MB/4.0 MB',
      '  bbbbbbbbbbbb  Pulling fs layer',
      '  total 1.0 MB/4.0 MB',
    ]);
    for (const event of events.slice(4)) model.apply(event);
    expect(model.lines()).toContain('  aaaaaaaaaaaa  Pull complete 4.0 MB/4.0 MB');
  });

  it('names phases for the one-line-per-phase output', () => {
    expect([...new Set(events.map(phaseOf).filter(Boolean))]).toEqual([
      'downloading layers',
      'extracting layers',
      'Digest: sha256:abc',
      'Downloaded newer image for agentctl/agent:1.0.0',
    ]);
  });

  it('prints one line per phase on a non-TTY, without repeats', () => {
    const streams = memoryStreams();
    const display = createPullProgressDisplay(new Io(streams, {}));
    display.begin('agentctl/agent:1.0.0', 'docker.io');
    for (const event of [...events, events[3]!]) display.event(event);
    display.end(true);
    const lines = streams.output().stderr.trim().split('\n');
    expect(lines).toEqual([
      'pulling agentctl/agent:1.0.0 from docker.io',
      'downloading layers',
      'extracting layers',
      'Digest: sha256:abc',
      'Downloaded newer image for agentctl/agent:1.0.0',
      'pulled agentctl/agent:1.0.0',
    ]);
    expect(streams.output().stdout).toBe('');
  });

  it('the non-TTY pull printed each phase three times (layers interleave: each phase is said once)', () => {
    const streams = memoryStreams();
    const display = createPullProgressDisplay(new Io(streams, {}));
    const layers = ['aaaa', 'bbbb', 'cccc'];
    display.begin('r:1', '127.0.0.1:5000');
    // As Docker sends them for three layers: one extracts while the next still downloads.
    for (const id of layers) {
      display.event({ status: 'Downloading', id, current: 1, total: 2 });
      display.event({ status: 'Extracting', id, current: 1, total: 2 });
    }
    display.event({ status: 'Digest: sha256:abc' });
    display.end(true);
    expect(streams.output().stderr.trim().split('\n')).toEqual([
      'pulling r:1 from 127.0.0.1:5000',
      'downloading layers',
      'extracting layers',
      'Digest: sha256:abc',
      'pulled r:1',
    ]);
  });

  it("names Podman's download events a phase too (it sends no Downloading)", () => {
    expect(phaseOf({ status: 'Pulling fs layer', id: 'x' })).toBe('downloading layers');
    expect(phaseOf({ status: 'Download complete', id: 'x' })).toBe('downloading layers');
    expect(phaseOf({ status: 'Already exists', id: 'x' })).toBeUndefined();
  });

  it('prints nothing with --json', () => {
    const streams = memoryStreams({ tty: true });
    const display = createPullProgressDisplay(new Io(streams, {}, { json: true }));
    display.begin('a:1', 'docker.io');
    for (const event of events) display.event(event);
    display.end(true);
    expect(streams.output()).toEqual({ stdout: '', stderr: '' });
  });

  it('redraws the layer block in place on a TTY', () => {
    const streams = memoryStreams({ tty: true });
    const display = createPullProgressDisplay(new Io(streams, {}));
    display.begin('a:1', 'docker.io');
    for (const event of events) display.event(event);
    display.end(true);
    const stderr = streams.output().stderr;
    expect(stderr).toContain('\u001b[1F\u001b[J'); // the header line is replaced
    expect(stderr).toContain('Pulled a:1 from docker.io');
    expect(stderr).toContain('aaaaaaaaaaaa  Pull complete 4.0 MB/4.0 MB');
  });
});
