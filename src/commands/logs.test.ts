import { describe, expect, it } from 'vitest';
import { Io } from '../io/io.js';
import { memoryStreams } from '../../test/helpers/memory-streams.js';
import { createLogSink } from './logs.js';

function setup(options: { json?: boolean; tty?: boolean; color?: boolean } = {}) {
  const streams = memoryStreams({ tty: options.tty });
  const io = new Io(streams, {}, { json: options.json, color: options.color });
  return { streams, io };
}

describe('log rendering', () => {
  it('prefixes each line with the padded agent name, stdout and stderr kept apart', async () => {
    const { streams, io } = setup();
    const sink = createLogSink(io, { json: false, prefix: true, agents: ['web', 'backend'] });
    await sink.lines([
      { agent: 'web', stream: 'stdout', line: 'hello' },
      { agent: 'backend', stream: 'stderr', line: 'warn' },
      { agent: 'backend', stream: 'stdout', line: 'ok' },
    ]);
    expect(streams.output()).toEqual({ stdout: 'web     | hello\nbackend | ok\n', stderr: 'backend | warn\n' });
  });

  it('colours the prefix only when colour is on', async () => {
    const coloured = setup({ tty: true });
    await createLogSink(coloured.io, { json: false, prefix: true, agents: ['a'] }).lines([
      { agent: 'a', stream: 'stdout', line: 'x' },
    ]);
    expect(coloured.streams.output().stdout).toBe('\u001b[36ma\u001b[39m | x\n');
    const plain = setup({ tty: true, color: false });
    await createLogSink(plain.io, { json: false, prefix: true, agents: ['a'] }).lines([
      { agent: 'a', stream: 'stdout', line: 'x' },
    ]);
    expect(plain.streams.output().stdout).toBe('a | x\n');
  });

  it('writes one NDJSON line per log line with --json, time only when known', async () => {
    const { streams, io } = setup({ json: true });
    const sink = createLogSink(io, { json: true, prefix: true, agents: ['a', 'b'] });
    await sink.lines([
      { agent: 'a', stream: 'stdout', line: 'say "hi"', time: '2026-11-23T12:00:00.000000001Z' },
      { agent: 'b', stream: 'stderr', line: 'oops' },
    ]);
    const lines = streams
      .output()
      .stdout.trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { agent: 'a', stream: 'stdout', line: 'say "hi"', time: '2026-11-23T12:00:00.000000001Z' },
      { agent: 'b', stream: 'stderr', line: 'oops' },
    ]);
    expect(streams.output().stderr).toBe('');
  });

  it('masks registered secrets in prefixed and JSON lines', async () => {
    for (const json of [false, true]) {
      const { streams, io } = setup({ json });
      io.secrets.add('sk-secret-value');
      await createLogSink(io, { json, prefix: false, agents: ['a'] }).lines([
        { agent: 'a', stream: 'stdout', line: 'key=sk-secret-value' },
      ]);
      expect(streams.output().stdout).not.toContain('sk-secret-value');
      expect(streams.output().stdout).toContain('key=********');
    }
  });

  it('a multi-line secret is masked over the lines it spans, per agent and stream, in both forms', async () => {
    for (const json of [false, true]) {
      const { streams, io } = setup({ json });
      io.secrets.add('first-line-secret\nsecond-line-secret\n');
      const sink = createLogSink(io, { json, prefix: true, agents: ['a', 'b'] });
      await sink.lines([
        { agent: 'a', stream: 'tty', line: 'first-line-secret' },
        { agent: 'b', stream: 'tty', line: 'first-line-secret' },
        { agent: 'a', stream: 'tty', line: 'second-line-secret' },
      ]);
      await sink.lines([{ agent: 'b', stream: 'tty', line: 'unrelated' }]);
      await sink.end!();
      const output = streams.output().stdout;
      expect(output).not.toContain('second-line-secret');
      expect(output).toContain(json ? '"line":"********"' : 'a | ********');
      expect(output).toContain(json ? '"line":"first-line-secret"' : 'b | first-line-secret'); // b never printed the rest
    }
  });

  it('logs -t with several agents dropped the timestamps (each line shows its time)', async () => {
    const { streams, io } = setup();
    await createLogSink(io, { json: false, prefix: true, agents: ['a'] }).lines([
      { agent: 'a', stream: 'stdout', line: 'hello', time: '2026-11-23T12:00:00.000000001Z' },
    ]);
    expect(streams.output().stdout).toBe('a | 2026-11-23T12:00:00.000000001Z hello\n');
  });

  it('passes raw chunks through untouched', async () => {
    const { streams, io } = setup();
    const sink = createLogSink(io, { json: false, prefix: false, agents: ['a'] });
    await sink.chunk('stdout', Buffer.from('partial line without newline'));
    await sink.chunk('stderr', Buffer.from('e\n'));
    expect(streams.output()).toEqual({ stdout: 'partial line without newline', stderr: 'e\n' });
  });
});
