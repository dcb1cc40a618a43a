import { describe, expect, it } from 'vitest';
import { endedExecs } from '../../../test/helpers/fake-runtime.js';
import type { EgressOperations, GatewayDetails, GatewaySpec, NetworkSpec } from '../../runtime/egress-operations.js';
import { prepareAgentEgress } from './agent-egress.js';
import { ensureGateway, getGatewayNames } from './gateway.js';

/**
 * A backend of `policy` isolation (Kubernetes): no subnet, no fixed address; the gateway's address
 * is the one the backend gives it once it runs, and the agent stays on the default network.
 */
function policyBackend(
  options: {
    warning?: string;
    isolation?: 'policy' | 'network';
    agentAddresses?: Record<string, string>;
    resolvesNames?: boolean;
    /** The gateway's ca.json, as readGatewayFile gives it. */
    gatewayCa?: { certPem: string; keyPem: string };
  } = {},
) {
  const networks: NetworkSpec[] = [];
  const gateways: GatewaySpec[] = [];
  const written: { dir: string; name: string; content: string }[] = [];
  const reads: string[] = [];
  let details: GatewayDetails | undefined;
  const egress: EgressOperations = {
    isolation: options.isolation ?? 'policy',
    ...(options.resolvesNames ? { resolvesNames: true } : {}),
    checkIsolation: async () => options.warning,
    async createNetwork(spec) {
      networks.push(spec);
      const subnets = spec.subnet ? [{ subnet: spec.subnet }] : [];
      return { id: spec.name, name: spec.name, internal: spec.internal, labels: spec.labels, subnets };
    },
    inspectNetwork: async () => undefined,
    removeNetwork: async () => undefined,
    async createGateway(spec) {
      gateways.push(spec);
      details = {
        id: 'gw',
        running: true,
        state: 'running',
        labels: spec.labels,
        addresses: { [spec.internalNetwork.name]: '10.88.0.9' },
      };
      return { id: 'gw' };
    },
    inspectGateway: async () => details,
    async writeGatewayFiles(_id, dir, entries) {
      for (const entry of entries)
        written.push({ dir, name: entry.name, content: entry.content?.toString('utf8') ?? '' });
    },
    async readGatewayFile(_id, file) {
      reads.push(file);
      return file.endsWith('/ca.json') && options.gatewayCa
        ? Buffer.from(JSON.stringify(options.gatewayCa))
        : undefined;
    },
  };
  const runtime = {
    kind: options.isolation === 'network' ? 'docker' : 'kubernetes',
    egress,
    inspectContainer: async (id: string) =>
      options.agentAddresses ? { id, running: true, networkAddresses: options.agentAddresses } : undefined,
    createVolume: async () => true,
    startContainer: async () => undefined,
    removeContainer: async () => undefined,
    ...endedExecs,
    copyFiles: async () => undefined,
    archive: { fetchPathStat: () => Promise.reject(new Error('no archive here')) },
  };
  return { egress, runtime: runtime as never, networks, gateways, written, reads };
}

const files = async () => ({ program: Buffer.from('// proxy') });
const ca = { certPem: 'CERT', keyPem: 'KEY' };

describe('the gateway on a backend of policy isolation', () => {
  it('makes its networks without a subnet, the gateway without a fixed address, and reads the address back', async () => {
    const backend = policyBackend();
    const names = getGatewayNames({});
    const gateway = await ensureGateway({
      runtime: backend.runtime,
      egress: backend.egress,
      names,
      env: {},
      log: () => undefined,
      image: async () => 'node:22',
      files,
      createCa: async () => ca,
      sleep: async () => undefined,
    });
    expect(gateway).toEqual({ id: 'gw', address: '10.88.0.9', program: 2 });
    expect(backend.networks.map((spec) => [spec.name, spec.internal, spec.gateway, spec.subnet])).toEqual([
      ['agentctl-egress-internal', true, 'agentctl-egress', undefined],
      ['agentctl-egress-external', false, 'agentctl-egress', undefined],
    ]);
    expect(backend.gateways[0]!.internalNetwork).toEqual({ name: 'agentctl-egress-internal' });
    expect(backend.gateways[0]!.program).toBe('/var/lib/agentctl-egress/program/egress-proxy.cjs');
  });

  it('keeps the agent on the default network, proxied to the assigned address, and warns when the backend cannot hold it', async () => {
    const warning = 'a process that ignores HTTPS_PROXY can connect directly';
    const backend = policyBackend({ warning });
    const warned: string[] = [];
    const hooks = await prepareAgentEgress(
      {
        env: {},
        config: {},
        log: () => undefined,
        warn: (message) => warned.push(message),
        gatewayFiles: files,
        createCa: async () => ca,
      },
      backend.runtime,
      {
        name: 'fixer',
        choice: { policy: 'allowlist', allow: ['example.com'], bindings: new Map() },
        secrets: [],
        agentImage: 'node:22',
      },
    );
    expect(hooks.network).toBeUndefined();
    expect(hooks.labels).toMatchObject({
      'io.agentctl.egress': 'allowlist',
      'io.agentctl.egress-gateway': 'agentctl-egress',
    });
    expect(new URL(Object.fromEntries(hooks.env).HTTPS_PROXY!).hostname).toBe('10.88.0.9');
    expect(warned).toEqual([warning]);
  });
});

describe('an agent’s token held to its own address', () => {
  const egressDeps = { env: {}, config: {}, log: () => undefined, gatewayFiles: files, createCa: async () => ca };
  const input = {
    name: 'fixer',
    choice: { policy: 'allowlist' as const, allow: ['example.com'], bindings: new Map() },
    secrets: [],
    agentImage: 'node:22',
  };
  const registrationOf = (written: { name: string; content: string }[]) =>
    JSON.parse(written.find((file) => file.name === 'fixer.json')!.content) as {
      addressBound?: boolean;
      resolveName?: string;
    };

  it('on a shared network (the engines): the registration is address-bound, and each start tells the gateway the address', async () => {
    const backend = policyBackend({
      isolation: 'network',
      agentAddresses: { bridge: '172.17.0.5', 'agentctl-egress-internal': '10.213.0.131' },
    });
    const hooks = await prepareAgentEgress(egressDeps, backend.runtime, input);
    expect(hooks.network).toBe('agentctl-egress-internal');
    await hooks.afterCreate('agent-id');
    expect(registrationOf(backend.written).addressBound).toBe(true);
    await hooks.afterStart('agent-id');
    expect(backend.written.filter((file) => file.name === 'fixer.address')).toEqual([
      { dir: '/var/lib/agentctl-egress/agents', name: 'fixer.address', content: '10.213.0.131\n' },
    ]);
  });

  it('where the network resolves container names (Docker): bound by the container name, and a start writes no address', async () => {
    const backend = policyBackend({
      isolation: 'network',
      resolvesNames: true,
      agentAddresses: { 'agentctl-egress-internal': '10.213.0.131' },
    });
    const hooks = await prepareAgentEgress(egressDeps, backend.runtime, input);
    expect(backend.gateways[0]!.labels).toMatchObject({ 'io.agentctl.egress-program': '2' });
    await hooks.afterCreate('agent-id');
    expect(registrationOf(backend.written)).toMatchObject({ addressBound: true, resolveName: 'agentctl-fixer' });
    await hooks.afterStart('agent-id');
    expect(backend.written.map((file) => file.name)).not.toContain('fixer.address');
  });

  it('a gateway made before names were resolved (no program label): the address is written after each start', async () => {
    const backend = policyBackend({
      isolation: 'network',
      resolvesNames: true,
      agentAddresses: { 'agentctl-egress-internal': '10.213.0.131' },
    });
    // The gateway as an older agentctl made it: without the label, its program knows no resolveName.
    await prepareAgentEgress(egressDeps, backend.runtime, { ...input, name: 'first' });
    delete backend.gateways[0]!.labels['io.agentctl.egress-program'];
    const hooks = await prepareAgentEgress(egressDeps, backend.runtime, input);
    await hooks.afterCreate('agent-id');
    expect(registrationOf(backend.written).resolveName).toBeUndefined();
    await hooks.afterStart('agent-id');
    expect(backend.written.map((file) => file.name)).toContain('fixer.address');
  });

  it('under NetworkPolicies (Kubernetes): not bound, and a start writes no address', async () => {
    const backend = policyBackend({ agentAddresses: { pod: '10.244.0.7' } });
    const hooks = await prepareAgentEgress(egressDeps, backend.runtime, input);
    await hooks.afterCreate('agent-id');
    expect(registrationOf(backend.written).addressBound).toBeUndefined();
    await hooks.afterStart('agent-id');
    expect(backend.written.map((file) => file.name)).not.toContain('fixer.address');
  });
});

describe('the gateway’s CA for a new agent', () => {
  const gatewayCa = { certPem: 'GATEWAY CERT', keyPem: 'GATEWAY KEY' };
  const input = {
    name: 'fixer',
    choice: { policy: 'allowlist' as const, allow: ['example.com'], bindings: new Map() },
    secrets: [],
    agentImage: 'node:22',
    imageId: 'sha256:image',
  };
  // The image's bundle known: the CA files go in with the agent's other files (its spec).
  const imageBundles = { get: async () => 'SYSTEM CAS', set: async () => undefined };
  const registration = (written: { name: string; content: string }[], name = 'fixer') =>
    JSON.parse(written.filter((file) => file.name === `${name}.json`).at(-1)!.content) as { ca: unknown };
  /** The start's dependencies, with the gateways' certificates kept in `kept`. */
  const keptCerts = () => {
    const kept = new Map<string, string>();
    const gatewayCerts = {
      get: async (id: string) => kept.get(id),
      set: async (id: string, pem: string) => void kept.set(id, pem),
    };
    const deps = { env: {}, config: {}, log: () => undefined, gatewayFiles: files, createCa: async () => ca };
    return { kept, deps: { ...deps, gatewayCerts, imageBundles } };
  };

  it('a gateway of program 2: named, not copied; its certificate kept here, so the next start reads nothing from the gateway', async () => {
    const backend = policyBackend({ isolation: 'network', gatewayCa });
    const { kept, deps } = keptCerts();
    const first = await prepareAgentEgress(deps, backend.runtime, input);
    await first.afterCreate('agent-id');
    expect(registration(backend.written).ca).toBe('gateway');
    expect(JSON.stringify(backend.written.filter((file) => file.name === 'fixer.json'))).not.toContain('GATEWAY KEY');
    expect(kept.get('gw')).toBe('GATEWAY CERT');
    expect(first.files[0]?.files.find((file) => file.name === 'ca.pem')?.content.toString()).toBe('GATEWAY CERT');
    backend.reads.length = 0;
    const second = await prepareAgentEgress(deps, backend.runtime, { ...input, name: 'second' });
    await second.afterCreate('agent-id');
    expect(backend.reads).not.toContain('/var/lib/agentctl-egress/ca.json');
    expect(registration(backend.written, 'second').ca).toBe('gateway');
    expect(second.files[0]?.files.find((file) => file.name === 'ca.pem')?.content.toString()).toBe('GATEWAY CERT');
  });

  it('a gateway made before (no program label): the CA and its key are in the registration, as its program expects', async () => {
    const backend = policyBackend({ isolation: 'network', gatewayCa });
    const { kept, deps } = keptCerts();
    await prepareAgentEgress(deps, backend.runtime, { ...input, name: 'first' });
    delete backend.gateways[0]!.labels['io.agentctl.egress-program'];
    kept.clear();
    const hooks = await prepareAgentEgress(deps, backend.runtime, input);
    await hooks.afterCreate('agent-id');
    expect(registration(backend.written).ca).toEqual(gatewayCa);
    expect(kept.size).toBe(0);
  });

  it('a gateway made again on its kept state volume keeps the CA there (its agents trust it); a new one gets a CA', async () => {
    const again = policyBackend({ isolation: 'network', gatewayCa });
    const deps = { env: {}, config: {}, log: () => undefined, gatewayFiles: files, createCa: async () => ca };
    await prepareAgentEgress(deps, again.runtime, input);
    expect(again.written.map((file) => file.name)).not.toContain('ca.json');
    const fresh = policyBackend({ isolation: 'network' });
    await prepareAgentEgress(deps, fresh.runtime, input);
    expect(fresh.written.find((file) => file.name === 'ca.json')?.content).toBe(JSON.stringify(ca));
  });
});
