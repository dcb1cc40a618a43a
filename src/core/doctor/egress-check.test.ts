import { describe, expect, it } from 'vitest';
import type { GatewayDetails } from '../../runtime/egress-operations.js';
import type { EngineFacts } from './check.js';
import { checkEgress } from './egress-check.js';

const gateway = (fields: Partial<GatewayDetails>): GatewayDetails => ({
  id: 'g1',
  running: true,
  state: 'running',
  labels: { 'io.agentctl.managed': 'true', 'io.agentctl.kind': 'egress-gateway' },
  addresses: { 'agentctl-egress-internal': '10.213.0.2', 'agentctl-egress-external': '172.18.0.2' },
  ...fields,
});
const facts = (found: GatewayDetails | undefined | 'no-egress', policy?: string): EngineFacts =>
  ({
    connected: {
      runtime: found === 'no-egress' ? {} : { egress: { inspectGateway: async () => found } },
      detected: {},
    },
    ...(policy ? { config: { config: { egress: { policy } } } } : {}),
  }) as never;
const env = {};

describe('checkEgress', () => {
  it('says the gateway is made at the first allowlist start when there is none', async () => {
    expect(await checkEgress(facts(undefined), { env })).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('made at the first start with --egress allowlist'),
      details: { gateway: 'agentctl-egress', exists: false },
    });
  });

  it('reports a running gateway with its address, and a stopped one as a warning with the fix', async () => {
    expect(await checkEgress(facts(gateway({})), { env })).toMatchObject({
      status: 'ok',
      message: 'agentctl-egress running (10.213.0.2 on agentctl-egress-internal)',
    });
    // As the engines report a stopped container: no address on its networks (it failed as "not on
    // its network", with the advice to remove it).
    const stopped = await checkEgress(facts(gateway({ running: false, state: 'exited', addresses: {} })), { env });
    expect(stopped).toMatchObject({ status: 'warn', message: expect.stringContaining('is exited') });
    expect(stopped.fix).toContain('docker start agentctl-egress');
  });

  it('fails on a foreign container of that name, and on a gateway off its network', async () => {
    expect(await checkEgress(facts(gateway({ labels: {} })), { env })).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('AGENTCTL_EGRESS_NAME'),
    });
    expect(await checkEgress(facts(gateway({ addresses: {} })), { env })).toMatchObject({ status: 'fail' });
  });

  it('a stopped gateway of a policy backend (Kubernetes, no address while stopped) is a warning, not a failure', async () => {
    const found = gateway({ running: false, state: 'exited', addresses: {} });
    const result = await checkEgress(
      {
        connected: { runtime: { egress: { isolation: 'policy', inspectGateway: async () => found } }, detected: {} },
      } as never,
      { env },
    );
    expect(result).toMatchObject({ status: 'warn', message: expect.stringContaining('is exited') });
    expect(result.fix).toContain('re-created');
  });

  it('looks at the gateway AGENTCTL_EGRESS_NAME names', async () => {
    const result = await checkEgress(facts(undefined), { env: { AGENTCTL_EGRESS_NAME: 'team-egress' } });
    expect(result.details).toMatchObject({ gateway: 'team-egress' });
  });

  it('without the gateway (a backend without one): skipped, or failed when the config asks for allowlist', async () => {
    expect((await checkEgress(facts('no-egress'), { env })).status).toBe('skip');
    expect(await checkEgress(facts('no-egress', 'allowlist'), { env })).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('egress.policy is allowlist'),
    });
  });
});
