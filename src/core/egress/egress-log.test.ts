import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EgressEvent } from '../../egress/contract.js';
import type { LogOptions } from '../../runtime/stream-operations.js';
import { fakeLookup } from '../../../test/helpers/fake-runtime.js';
import { frame } from '../../../test/helpers/frames.js';
import { collectAllowEntries, streamNetworkLog } from './egress-log.js';
import type { NetworkLogTarget } from './network-log-targets.js';

const line = (event: Partial<EgressEvent> & Pick<EgressEvent, 'host'>) =>
  `${JSON.stringify({ time: '2026-12-02T04:47:20.311Z', port: 443, action: 'allowed', ...event })}\n`;

/** A gateway log served by the engine: each read gets the log as it is then (`reads[i]`). */
function gatewayLogs(reads: Record<string, Buffer[][]>) {
  const requests: Array<[string, LogOptions]> = [];
  return {
    requests,
    async streamLogs(id: string, options: LogOptions) {
      requests.push([id, options]);
      const next = reads[id]?.shift();
      if (!next) throw new Error(`unexpected logs request for ${id}`);
      return Readable.from(next);
    },
  };
}

const signal = new AbortController().signal;
const target: NetworkLogTarget = { gateway: 'agentctl-egress', id: 'gw', agents: ['fixer'] };

describe('streamNetworkLog', () => {
  const now = () => new Date('2026-12-02T05:00:00Z');

  it('filters the gateway’s stdout by agent; its stderr and other lines are no events', async () => {
    const split = line({ agent: 'fixer', host: 'c.test' });
    const logs = gatewayLogs({
      gw: [
        [
          frame(1, line({ agent: 'fixer', host: 'a.test' }) + line({ agent: 'other', host: 'b.test' })),
          frame(2, line({ agent: 'fixer', host: 'stderr.test' })),
          frame(
            1,
            'garbage\n' +
              line({ host: 'anonymous.test', action: 'denied', reason: 'bad proxy token' }) +
              split.slice(0, 30),
          ),
          frame(1, split.slice(30)),
        ],
      ],
    });
    const seen: EgressEvent[] = [];
    const skipped: string[] = [];
    await streamNetworkLog(
      { runtime: { ...fakeLookup([]), ...logs }, signal, now, debug: (message) => skipped.push(message) },
      [target],
      { follow: false, since: '10m' },
      (events) => void seen.push(...events),
    );
    expect(seen.map((event) => event.host)).toEqual(['a.test', 'c.test']);
    expect(skipped).toHaveLength(1);
    expect(logs.requests).toEqual([
      ['gw', { follow: false, since: Date.parse('2026-12-02T04:50:00Z') / 1000, until: undefined, timestamps: false }],
    ]);
  });

  /**
   * A gateway log as an engine keeps it: one entry per line with the engine's time (nanoseconds),
   * `since` inclusive, timestamps as Docker writes them (trailing zeros trimmed), one frame per
   * entry. Each read sees the log as `reads[i]` gives it then (lines appended, the oldest dropped).
   */
  function engineLog(reads: Array<Array<[bigint, string]>>) {
    const requests: LogOptions[] = [];
    const stamp = (nanos: bigint) => {
      const whole = new Date(Number(nanos / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
      const fraction = (nanos % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
      return `${whole}${fraction ? `.${fraction}` : ''}Z`;
    };
    return {
      requests,
      async streamLogs(_id: string, options: LogOptions) {
        requests.push(options);
        const entries = reads.shift();
        if (!entries) throw new Error('unexpected logs request');
        // The engine parses `since` as a decimal: whole seconds and nanoseconds.
        const [whole, fraction = ''] = String(options.since ?? 0).split('.');
        const since = BigInt(whole!) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0'));
        return Readable.from(
          entries
            .filter(([nanos]) => nanos >= since)
            .map(([nanos, text]) => frame(1, options.timestamps ? `${stamp(nanos)} ${text}` : text)),
        );
      },
    };
  }
  const at = (second: number, nanos = 0) =>
    BigInt(Date.parse('2026-12-02T04:47:00Z') / 1000 + second) * 1_000_000_000n + BigInt(nanos);

  it('--tail N: the last N events of each agent, not of the shared log; with --follow then what comes after', async () => {
    const history: Array<[bigint, string]> = ['1', '2', '3'].flatMap((n, index) => [
      [at(index, 100), line({ agent: 'fixer', host: `${n}.test` })] as [bigint, string],
      [at(index, 200), line({ agent: 'other', host: `o${n}.test` })] as [bigint, string],
    ]);
    const logs = engineLog([
      history,
      [
        ...history,
        [at(3), line({ agent: 'other', host: 'o4.test' })],
        [at(4), line({ agent: 'fixer', host: '4.test' })],
      ],
    ]);
    const seen: string[] = [];
    await streamNetworkLog(
      { runtime: { ...fakeLookup([]), ...logs }, signal, now },
      [{ ...target, agents: ['fixer', 'other'] }],
      { follow: true, tail: '1' },
      (events) => void seen.push(...events.map((event) => event.host)),
    );
    expect(seen).toEqual(['3.test', 'o3.test', 'o4.test', '4.test']);
    expect(logs.requests.map((options) => options.follow)).toEqual([false, true]);
    expect(logs.requests.every((options) => options.tail === undefined)).toBe(true);
  });

  it('--tail --follow: nothing is lost or repeated when the engine dropped the log’s oldest lines in between', async () => {
    // Three lines share one engine time: the third came after the first read.
    const read: Array<[bigint, string]> = [
      [at(0), line({ agent: 'fixer', host: 'old.test' })],
      [at(1, 5), line({ agent: 'fixer', host: 'a.test' })],
      [at(1, 5), line({ agent: 'fixer', host: 'b.test' })],
    ];
    const logs = engineLog([
      read,
      // The bounded log was cut back: its first two lines are gone, three new ones came.
      [
        ...read.slice(2),
        [at(1, 5), line({ agent: 'fixer', host: 'c.test' })],
        [at(1, 6), line({ agent: 'fixer', host: 'd.test' })],
        [at(2), line({ agent: 'fixer', host: 'e.test' })],
      ],
    ]);
    const seen: string[] = [];
    await streamNetworkLog(
      { runtime: { ...fakeLookup([]), ...logs }, signal, now },
      [target],
      { follow: true, tail: '2' },
      (events) => void seen.push(...events.map((event) => event.host)),
    );
    expect(seen).toEqual(['a.test', 'b.test', 'c.test', 'd.test', 'e.test']);
    expect(logs.requests.map((options) => [options.follow, options.timestamps])).toEqual([
      [false, true],
      [true, true],
    ]);
  });

  it('turns an engine failure into LOGS_FAILED naming the gateway; an abort ends quietly', async () => {
    const failing = { ...fakeLookup([]), streamLogs: async () => Promise.reject(new Error('socket hang up')) };
    await expect(
      streamNetworkLog({ runtime: failing, signal, now }, [target], { follow: false }, () => undefined),
    ).rejects.toMatchObject({ code: 'LOGS_FAILED', message: expect.stringContaining('agentctl-egress') });
    const aborted = new AbortController();
    aborted.abort();
    await streamNetworkLog(
      { runtime: failing, signal: aborted.signal, now },
      [target],
      { follow: true },
      () => undefined,
    );
  });
});

describe('collectAllowEntries', () => {
  it('lists the distinct entries of learned and allowlist-denied events, sorted', async () => {
    const logs = gatewayLogs({
      gw: [
        [
          frame(
            1,
            line({ agent: 'fixer', host: 'pypi.org', action: 'learned' }) +
              line({ agent: 'fixer', host: 'files.pythonhosted.org', action: 'learned' }) +
              line({ agent: 'fixer', host: 'pypi.org', port: 80, action: 'learned' }) +
              line({
                agent: 'fixer',
                host: 'registry.test',
                port: 8443,
                action: 'denied',
                reason: 'not in allowlist',
              }) +
              line({ agent: 'fixer', host: 'localhost', action: 'denied', reason: 'loopback address' }) +
              line({ agent: 'fixer', host: 'api.anthropic.com', action: 'allowed' }) +
              line({ agent: 'other', host: 'theirs.test', action: 'learned' }),
          ),
        ],
      ],
    });
    const entries = await collectAllowEntries({ runtime: { ...fakeLookup([]), ...logs }, signal }, [target], {});
    expect(entries).toEqual(['files.pythonhosted.org', 'pypi.org', 'registry.test:8443']);
  });
});
