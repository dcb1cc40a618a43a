import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { LogOptions } from '../../runtime/stream-operations.js';
import type { AgentContainerInfo } from './agent-lookup.js';
import { fakeLookup } from '../../../test/helpers/fake-runtime.js';
import { resolveLogAgents, streamAgentLogs, type LogLine } from './agent-logs.js';
import { frame } from '../../../test/helpers/frames.js';

const agent = (name: string, tty = false): AgentContainerInfo => ({
  id: `id-${name}`,
  containerName: `agentctl-${name}`,
  agent: name,
  status: 'exited',
  running: false,
  exitCode: 0,
  tty,
  secretNames: [],
  openStdin: false,
  labels: {},
});

function fakeRuntime(logs: Record<string, Buffer[]>) {
  const requests: Array<[string, LogOptions]> = [];
  return {
    requests,
    runtime: {
      ...fakeLookup(Object.keys(logs).map((id) => agent(id.slice(3)))),
      streamLogs: async (id: string, options: LogOptions) => {
        requests.push([id, options]);
        const chunks = logs[id];
        if (!chunks) throw new Error(`unexpected logs request for ${id}`);
        return Readable.from(chunks);
      },
    },
  };
}

function collector() {
  const lines: LogLine[] = [];
  const chunks: Array<[string, string]> = [];
  return {
    lines,
    chunks,
    sink: {
      lines: (batch: LogLine[]) => void lines.push(...batch),
      chunk: (stream: string, data: Buffer) => void chunks.push([stream, data.toString()]),
    },
  };
}

describe('streamAgentLogs', () => {
  const signal = new AbortController().signal;
  const now = () => new Date('2026-11-23T12:00:00Z');

  it('turns multiplexed output into lines per stream, with the timestamp split off', async () => {
    const fake = fakeRuntime({
      'id-a': [
        Buffer.concat([
          frame(1, '2026-11-23T11:00:00.1Z hello\n2026-11-23T11:00:01Z wor'),
          frame(2, '2026-11-23T11:00:02Z oops\n'),
        ]),
        frame(1, 'ld\n'),
      ],
    });
    const out = collector();
    await streamAgentLogs(
      { runtime: fake.runtime, signal, now },
      [agent('a')],
      { names: ['a'], all: false, follow: false, timestamps: true, mode: 'lines', since: '10m', tail: '5' },
      out.sink,
    );
    expect(out.lines).toEqual([
      { agent: 'a', stream: 'stdout', line: 'hello', time: '2026-11-23T11:00:00.1Z' },
      { agent: 'a', stream: 'stderr', line: 'oops', time: '2026-11-23T11:00:02Z' },
      { agent: 'a', stream: 'stdout', line: 'world', time: '2026-11-23T11:00:01Z' },
    ]);
    expect(fake.requests).toEqual([
      [
        'id-a',
        {
          follow: false,
          since: Date.parse('2026-11-23T11:50:00Z') / 1000,
          until: undefined,
          tail: 5,
          timestamps: true,
        },
      ],
    ]);
  });

  it('passes raw bytes through in raw mode, and a TTY agent is not demultiplexed', async () => {
    const fake = fakeRuntime({ 'id-t': [Buffer.from('\u0001 not a header, a TTY byte\n')] });
    const out = collector();
    await streamAgentLogs(
      { runtime: fake.runtime, signal, now },
      [agent('t', true)],
      { names: ['t'], all: false, follow: false, timestamps: false, mode: 'raw' },
      out.sink,
    );
    expect(out.chunks).toEqual([['stdout', '\u0001 not a header, a TTY byte\n']]);
  });

  it("a TTY agent: lines say stream tty and lose the terminal's \\r; raw bytes get \\n line ends", async () => {
    const fake = fakeRuntime({ 'id-t': [Buffer.from('out\r\nerr\r'), Buffer.from('\nbar\rdone\r\n')] });
    const lines = collector();
    await streamAgentLogs(
      { runtime: fake.runtime, signal, now },
      [agent('t', true)],
      { names: ['t'], all: false, follow: false, timestamps: false, mode: 'lines' },
      lines.sink,
    );
    expect(lines.lines).toEqual([
      { agent: 't', stream: 'tty', line: 'out' },
      { agent: 't', stream: 'tty', line: 'err' },
      { agent: 't', stream: 'tty', line: 'bar\rdone' },
    ]);
    const raw = collector();
    await streamAgentLogs(
      { runtime: fake.runtime, signal, now },
      [agent('t', true)],
      { names: ['t'], all: false, follow: false, timestamps: false, mode: 'raw' },
      raw.sink,
    );
    expect(raw.chunks.map(([, text]) => text).join('')).toBe('out\nerr\nbar\rdone\n');
  });

  it('an agent without a TTY keeps every byte, \\r\\n included', async () => {
    const fake = fakeRuntime({ 'id-a': [frame(1, 'dos\r\n'), frame(2, 'err\r\n')] });
    const lines = collector();
    await streamAgentLogs(
      { runtime: fake.runtime, signal, now },
      [agent('a')],
      { names: ['a'], all: false, follow: false, timestamps: false, mode: 'lines' },
      lines.sink,
    );
    expect(lines.lines).toEqual([
      { agent: 'a', stream: 'stdout', line: 'dos\r' },
      { agent: 'a', stream: 'stderr', line: 'err\r' },
    ]);
  });

  it('an unterminated last line is still printed', async () => {
    const fake = fakeRuntime({ 'id-a': [frame(1, 'no newline')] });
    const out = collector();
    await streamAgentLogs(
      { runtime: fake.runtime, signal, now },
      [agent('a')],
      { names: ['a'], all: false, follow: false, timestamps: false, mode: 'lines' },
      out.sink,
    );
    expect(out.lines).toEqual([{ agent: 'a', stream: 'stdout', line: 'no newline' }]);
  });
});

describe('resolveLogAgents', () => {
  const signal = new AbortController().signal;
  it('finds named agents, all agents, and refuses both or neither', async () => {
    const fake = fakeRuntime({ 'id-a': [], 'id-b': [] });
    expect(
      (await resolveLogAgents({ runtime: fake.runtime, signal }, { names: ['b', 'b'], all: false })).map(
        (a) => a.agent,
      ),
    ).toEqual(['b']);
    expect(
      (await resolveLogAgents({ runtime: fake.runtime, signal }, { names: [], all: true })).map((a) => a.agent),
    ).toEqual(['a', 'b']);
    await expect(
      resolveLogAgents({ runtime: fake.runtime, signal }, { names: ['a'], all: true }),
    ).rejects.toMatchObject({ code: 'NAMES_AND_ALL' });
    await expect(resolveLogAgents({ runtime: fake.runtime, signal }, { names: [], all: false })).rejects.toMatchObject({
      code: 'NO_AGENT_GIVEN',
    });
    await expect(
      resolveLogAgents({ runtime: fake.runtime, signal }, { names: ['zz'], all: false }),
    ).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND', kind: 'not-found' });
  });
});

describe('streamAgentLogs with many agents', () => {
  it('gives each agent its own signal, so more than 10 agents add no pile of listeners to one (no MaxListenersExceededWarning), and Ctrl-C still stops them all', async () => {
    const { getEventListeners } = EventEmitter;
    const parent = new AbortController();
    const names = Array.from({ length: 12 }, (_, index) => `agent-${index}`);
    const seen: AbortSignal[] = [];
    let listenersOnParent = 0;
    const runtime = {
      ...fakeLookup(names.map((name) => agent(name))),
      streamLogs: async (_id: string, _options: LogOptions, signal?: AbortSignal) => {
        // What a real request does with the signal it is given.
        signal!.addEventListener('abort', () => undefined);
        seen.push(signal!);
        listenersOnParent = Math.max(listenersOnParent, getEventListeners(parent.signal, 'abort').length);
        const stream = new Readable({ read() {} });
        signal!.addEventListener('abort', () => stream.destroy(new Error('aborted')));
        if (seen.length === names.length) setImmediate(() => parent.abort());
        return stream;
      },
    };
    const out = collector();
    await streamAgentLogs(
      { runtime, signal: parent.signal },
      names.map((name) => agent(name)),
      { names: [], all: true, follow: true, timestamps: false, mode: 'lines' },
      out.sink,
    );
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    expect(seen.every((signal) => signal.aborted)).toBe(true);
    expect(listenersOnParent).toBe(1);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });
});
