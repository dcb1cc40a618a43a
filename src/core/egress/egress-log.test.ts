import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EgressEvent } from '../../egress/contract.js';
import type { LogOptions } from '../../runtime/stream-operations.js';
import { fakeDetails, fakeLookup } from '../../../test/helpers/fake-runtime.js';
import { frame } from '../../../test/helpers/frames.js';
import {
  checkNetworkLogFlags,
  collectAllowEntries,
  formatEgressEvent,
  getAllowEntry,
  parseEgressEvent,
  resolveNetworkLogTargets,
  streamNetworkLog,
  type NetworkLogTarget,
} from './egress-log.js';

const gatewayLabels = { 'io.agentctl.managed': 'true', 'io.agentctl.kind': 'egress-gateway' };
const policy = (egress: string, gateway = 'agentctl-egress') => ({
  'io.agentctl.egress': egress,
  ...(egress === 'allowlist' || egress === 'learn' ? { 'io.agentctl.egress-gateway': gateway } : {}),
});

function lookupWith(agents: Parameters<typeof fakeLookup>[0], gateways: string[]) {
  const lookup = fakeLookup(agents);
  return {
    ...lookup,
    async inspectContainer(nameOrId: string) {
      if (gateways.includes(nameOrId))
        return fakeDetails({ id: `gw-${nameOrId}`, name: nameOrId, labels: gatewayLabels });
      return lookup.inspectContainer(nameOrId);
    },
  };
}

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

describe('checkNetworkLogFlags', () => {
  const flags = { network: true, allowlist: false, follow: false, timestamps: false };
  it.each([
    [{ ...flags, network: false, allowlist: true }, /needs --network/],
    [{ ...flags, timestamps: true }, /--timestamps does not apply/],
    [{ ...flags, allowlist: true, follow: true }, /cannot --follow/],
  ])('refuses %o as NETWORK_LOG_OPTION', (given, message) => {
    expect(() => checkNetworkLogFlags(given)).toThrow(
      expect.objectContaining({ code: 'NETWORK_LOG_OPTION', message: expect.stringMatching(message) }),
    );
  });

  it('lets --follow, --allowlist and plain logs through', () => {
    expect(() => checkNetworkLogFlags({ ...flags, follow: true })).not.toThrow();
    expect(() => checkNetworkLogFlags({ ...flags, allowlist: true })).not.toThrow();
    expect(() => checkNetworkLogFlags({ ...flags, network: false, timestamps: true })).not.toThrow();
  });
});

describe('resolveNetworkLogTargets', () => {
  const runtime = lookupWith(
    [
      { agent: 'fixer', labels: policy('allowlist') },
      { agent: 'scout', labels: policy('learn') },
      { agent: 'other', labels: policy('learn', 'agentctl-egw-x') },
      { agent: 'plain', labels: policy('open') },
      { agent: 'old', labels: {} },
      { agent: 'lost', labels: policy('allowlist', 'gone-gateway') },
    ],
    ['agentctl-egress', 'agentctl-egw-x'],
  );

  it('groups the named agents by their gateway', async () => {
    const targets = await resolveNetworkLogTargets(
      { runtime },
      { names: ['fixer', 'other', 'scout', 'fixer'], all: false },
    );
    expect(targets).toEqual([
      { gateway: 'agentctl-egress', id: 'gw-agentctl-egress', agents: ['fixer', 'scout'] },
      { gateway: 'agentctl-egw-x', id: 'gw-agentctl-egw-x', agents: ['other'] },
    ]);
  });

  it('refuses an agent of policy open (or from before policies) with NETWORK_LOG_UNAVAILABLE', async () => {
    for (const name of ['plain', 'old'])
      await expect(resolveNetworkLogTargets({ runtime }, { names: ['fixer', name], all: false })).rejects.toMatchObject(
        {
          code: 'NETWORK_LOG_UNAVAILABLE',
          kind: 'usage',
          hint: expect.stringContaining('--egress learn'),
          details: { agent: name },
        },
      );
  });

  it('says when the gateway is gone, and when an agent is unknown', async () => {
    await expect(resolveNetworkLogTargets({ runtime }, { names: ['lost'], all: false })).rejects.toMatchObject({
      code: 'EGRESS_GATEWAY_NOT_FOUND',
      kind: 'not-found',
    });
    await expect(resolveNetworkLogTargets({ runtime }, { names: ['nobody'], all: false })).rejects.toMatchObject({
      code: 'AGENT_NOT_FOUND',
    });
  });

  it('with --all: every agent of a gateway policy', async () => {
    const targets = await resolveNetworkLogTargets(
      {
        runtime: lookupWith(
          [
            { agent: 'fixer', labels: policy('allowlist') },
            { agent: 'plain', labels: policy('open') },
          ],
          ['agentctl-egress'],
        ),
      },
      { names: [], all: true },
    );
    expect(targets).toEqual([{ gateway: 'agentctl-egress', id: 'gw-agentctl-egress', agents: ['fixer'] }]);
  });

  it('refuses names with --all, and neither', async () => {
    await expect(resolveNetworkLogTargets({ runtime }, { names: ['fixer'], all: true })).rejects.toMatchObject({
      code: 'NAMES_AND_ALL',
    });
    await expect(resolveNetworkLogTargets({ runtime }, { names: [], all: false })).rejects.toMatchObject({
      code: 'NO_AGENT_GIVEN',
    });
  });
});

describe('parseEgressEvent and formatEgressEvent', () => {
  it('prints one line per event: time to the second, agent, action, host:port, reason, secrets', () => {
    const denied = parseEgressEvent(
      line({ agent: 'fixer', host: 'pypi.org', action: 'denied', reason: 'not in allowlist' }).trim(),
    )!;
    expect(formatEgressEvent(denied)).toBe('2026-12-02T04:47:20Z fixer denied pypi.org:443 (not in allowlist)');
    const injected = parseEgressEvent(
      line({ agent: 'fixer', host: 'api.anthropic.com', injected: ['ANTHROPIC_API_KEY'] }),
    )!;
    expect(formatEgressEvent(injected)).toBe(
      '2026-12-02T04:47:20Z fixer allowed api.anthropic.com:443 injected ANTHROPIC_API_KEY',
    );
    const refused = parseEgressEvent(line({ agent: 'a', host: 'x.test', placeholderRefused: ['K'] }))!;
    expect(formatEgressEvent(refused)).toContain('placeholder refused K');
    expect(formatEgressEvent({ ...denied, agent: undefined, host: '::1' })).toContain(' - denied [::1]:443');
  });

  it('keeps only the contract’s fields and escapes control characters the agent sent', () => {
    const event = parseEgressEvent(line({ agent: 'a', host: 'evil\u001b[2J.test', extra: 'x' } as never))!;
    expect(event).not.toHaveProperty('extra');
    expect(formatEgressEvent(event)).toContain('evil\\u001b[2J.test');
  });

  it('is no event: other JSON, a wrong type, a diagnostic line', () => {
    for (const text of [
      'not json',
      '[]',
      '{"level":"warn","message":"x"}',
      line({ host: 'a', port: '443' } as never),
      line({ host: 'a', action: 'maybe' } as never),
    ])
      expect(parseEgressEvent(text)).toBeUndefined();
  });
});

describe('getAllowEntry', () => {
  const event = (extra: Partial<EgressEvent>): EgressEvent => ({
    time: 't',
    agent: 'a',
    host: 'pypi.org',
    port: 443,
    action: 'learned',
    ...extra,
  });
  it('gives the host for 443 and 80, host:port otherwise; IPv6 in brackets', () => {
    expect(getAllowEntry(event({}))).toBe('pypi.org');
    expect(getAllowEntry(event({ port: 80, host: 'Deb.Debian.org' }))).toBe('deb.debian.org');
    expect(getAllowEntry(event({ port: 8443, action: 'denied', reason: 'not in allowlist' }))).toBe('pypi.org:8443');
    expect(getAllowEntry(event({ host: 'fd00::1', port: 5432 }))).toBe('[fd00::1]:5432');
  });

  it('gives nothing for what an entry would not change, or what is no entry', () => {
    expect(getAllowEntry(event({ action: 'allowed' }))).toBeUndefined();
    expect(getAllowEntry(event({ action: 'denied', reason: 'loopback address' }))).toBeUndefined();
    expect(getAllowEntry(event({ host: '*.example.com' }))).toBeUndefined();
    expect(getAllowEntry(event({ host: 'a b;rm -rf' }))).toBeUndefined();
    // The allowlist refuses before the address rules: an entry would not open loopback, would a private address.
    expect(getAllowEntry(event({ host: '127.0.0.1', action: 'denied', reason: 'not in allowlist' }))).toBeUndefined();
    expect(
      getAllowEntry(event({ host: '::ffff:169.254.169.254', action: 'denied', reason: 'not in allowlist' })),
    ).toBeUndefined();
    expect(getAllowEntry(event({ host: '10.1.2.3', action: 'denied', reason: 'not in allowlist' }))).toBe('10.1.2.3');
  });
});

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

  it('--tail N: the last N events of each agent, not of the shared log; with --follow then what comes after', async () => {
    const history = [
      frame(
        1,
        ['1', '2', '3']
          .map((n) => line({ agent: 'fixer', host: `${n}.test` }) + line({ agent: 'other', host: `o${n}.test` }))
          .join(''),
      ),
    ];
    const logs = gatewayLogs({
      gw: [
        history,
        [...history, frame(1, line({ agent: 'other', host: 'o4.test' }) + line({ agent: 'fixer', host: '4.test' }))],
      ],
    });
    const seen: string[] = [];
    await streamNetworkLog(
      { runtime: { ...fakeLookup([]), ...logs }, signal, now },
      [{ ...target, agents: ['fixer', 'other'] }],
      { follow: true, tail: '1' },
      (events) => void seen.push(...events.map((event) => event.host)),
    );
    expect(seen).toEqual(['3.test', 'o3.test', 'o4.test', '4.test']);
    expect(logs.requests.map(([, options]) => options.follow)).toEqual([false, true]);
    expect(logs.requests.every(([, options]) => options.tail === undefined)).toBe(true);
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
