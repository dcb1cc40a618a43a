import { describe, expect, it } from 'vitest';
import { fakeDetails, fakeLookup } from '../../../test/helpers/fake-runtime.js';
import { checkNetworkLogFlags, resolveNetworkLogTargets } from './network-log-targets.js';

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
