import { describe, expect, it } from 'vitest';
import { endedExecs } from '../../../test/helpers/fake-runtime.js';
import type { EgressOperations, GatewayDetails } from '../../runtime/egress-operations.js';
import { ensureGateway, getGatewayNames } from './gateway.js';

/** An engine (`network` isolation) whose gateway exists and is stopped; started, it is at `startsAt`. */
function stoppedGateway(startsAt: string) {
  const names = getGatewayNames({});
  const calls: string[] = [];
  let running = false;
  const details = (): GatewayDetails => ({
    id: 'gw',
    running,
    state: running ? 'running' : 'exited',
    labels: { 'io.agentctl.managed': 'true', 'io.agentctl.kind': 'egress-gateway' },
    // A stopped container has no address on its networks.
    addresses: running ? { [names.internal]: startsAt } : {},
  });
  const egress: EgressOperations = {
    isolation: 'network',
    checkIsolation: async () => undefined,
    createNetwork: () => Promise.reject(new Error('unexpected createNetwork')),
    inspectNetwork: async (name) =>
      name === names.internal
        ? {
            id: 'n',
            name,
            internal: true,
            labels: {},
            subnets: [{ subnet: '10.213.0.0/24', ipRange: '10.213.0.128/25' }],
          }
        : undefined,
    removeNetwork: async () => undefined,
    createGateway: () => Promise.reject(new Error('unexpected createGateway')),
    inspectGateway: async () => details(),
    writeGatewayFiles: async () => undefined,
    readGatewayFile: async () => undefined,
  };
  const runtime = {
    kind: 'docker',
    egress,
    startContainer: async (id: string) => {
      calls.push(`start ${id}`);
      running = true;
    },
    stopContainer: async (id: string) => {
      calls.push(`stop ${id}`);
      running = false;
    },
    ...endedExecs,
  };
  const deps = {
    runtime: runtime as never,
    egress,
    names,
    env: {},
    log: () => undefined,
    image: async () => 'node:22',
    files: async () => ({ program: Buffer.from('// proxy') }),
    sleep: async () => undefined,
  };
  return { deps, calls };
}

describe('ensureGateway with a stopped gateway', () => {
  it('starts it again and reads its address once it runs (a stopped container has none: every start failed)', async () => {
    const { deps, calls } = stoppedGateway('10.213.0.2');
    expect(await ensureGateway(deps)).toEqual({ id: 'gw', address: '10.213.0.2', program: 1 });
    expect(calls).toEqual(['start gw']);
  });

  it('refuses a gateway back at another address than the one its agents hold, and stops it again', async () => {
    const { deps, calls } = stoppedGateway('10.213.0.7');
    await expect(ensureGateway(deps)).rejects.toMatchObject({
      code: 'EGRESS_GATEWAY_FAILED',
      message: expect.stringContaining('came back at 10.213.0.7'),
    });
    expect(calls).toEqual(['start gw', 'stop gw']);
  });
});
