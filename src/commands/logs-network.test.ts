import { describe, expect, it } from 'vitest';
import { Io } from '../io/io.js';
import { memoryStreams } from '../../test/helpers/memory-streams.js';
import { createEgressEventSink } from './logs-network.js';

const event = {
  time: '2026-12-02T04:47:20.311Z',
  agent: 'fixer',
  host: 'sk-secret-value.evil.test',
  port: 443,
  action: 'denied' as const,
  reason: 'not in allowlist',
};

describe('the network log rendering', () => {
  it('prints one line per event, a secret the agent put in a host name masked', async () => {
    const streams = memoryStreams();
    const io = new Io(streams, {}, {});
    io.secrets.add('sk-secret-value');
    await createEgressEventSink(io, false)([event, { ...event, host: 'pypi.org' }]);
    expect(streams.output().stdout).toBe(
      '2026-12-02T04:47:20Z fixer denied ********.evil.test:443 (not in allowlist)\n' +
        '2026-12-02T04:47:20Z fixer denied pypi.org:443 (not in allowlist)\n',
    );
  });

  it('prints the events as JSON lines with --json, masked too', async () => {
    const streams = memoryStreams();
    const io = new Io(streams, {}, { json: true });
    io.secrets.add('sk-secret-value');
    await createEgressEventSink(io, true)([event]);
    expect(
      streams
        .output()
        .stdout.trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([{ ...event, host: '********.evil.test' }]);
  });
});
