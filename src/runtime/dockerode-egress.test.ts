import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Dockerode from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { createDockerodeEgressOperations, gatewayCreateBody } from './dockerode-egress.js';
import type { GatewaySpec } from './egress-operations.js';
import { createTar, readTar } from '../shared/tar.js';

interface Seen {
  method: string;
  url: string;
  body: unknown;
}

describe('the engine API egress operations', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  /** A fake engine on a unix socket: answers each request with `answer`, records what it got. */
  async function fakeEngine(answer: (seen: Seen) => { status: number; body: unknown }) {
    const dir = mkdtempSync(join(tmpdir(), 'agentctl-egress-rt-'));
    const socket = join(dir, 'engine.sock');
    const seen: Seen[] = [];
    const server: Server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const request = { method: req.method ?? '', url: req.url ?? '', body: text ? JSON.parse(text) : undefined };
        seen.push(request);
        const { status, body } = answer(request);
        res.statusCode = status;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    cleanups.push(() => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { docker: new Dockerode({ socketPath: socket }), seen };
  }

  const network = {
    Id: 'n1',
    Name: 'agentctl-egress-internal',
    Internal: true,
    Labels: { 'io.agentctl.managed': 'true' },
    IPAM: { Config: [{ Subnet: '10.89.7.0/24', Gateway: '10.89.7.1', IPRange: '10.89.7.128/25' }] },
  };

  it('creates an internal network without a host address on Docker, and reads it back', async () => {
    const { docker, seen } = await fakeEngine(({ method }) =>
      method === 'POST' ? { status: 201, body: { Id: 'n1' } } : { status: 200, body: network },
    );
    const egress = createDockerodeEgressOperations(async () => docker, 'docker');
    const details = await egress.createNetwork({
      name: 'agentctl-egress-internal',
      gateway: 'agentctl-egress',
      internal: true,
      labels: { 'io.agentctl.managed': 'true' },
      subnet: '10.89.7.0/24',
      ipRange: '10.89.7.128/25',
      isolateHost: true,
    });
    expect(seen[0]!.body).toMatchObject({
      Name: 'agentctl-egress-internal',
      Internal: true,
      IPAM: { Config: [{ Subnet: '10.89.7.0/24', IPRange: '10.89.7.128/25' }] },
      Options: { 'com.docker.network.bridge.inhibit_ipv4': 'true' },
    });
    expect(details).toEqual({
      id: 'n1',
      name: 'agentctl-egress-internal',
      internal: true,
      labels: { 'io.agentctl.managed': 'true' },
      subnets: [{ subnet: '10.89.7.0/24', gateway: '10.89.7.1', ipRange: '10.89.7.128/25' }],
    });
  });

  it('gives Podman no IP range (its CNI refuses a fixed address outside it) and subnets of its own', async () => {
    const { docker, seen } = await fakeEngine(() => ({
      status: 409,
      body: { message: 'network name agentctl-egress-internal already used: network already exists' },
    }));
    const podman = createDockerodeEgressOperations(async () => docker, 'podman');
    await podman
      .createNetwork({
        name: 'agentctl-egress-internal',
        gateway: 'g',
        internal: true,
        labels: {},
        subnet: '10.214.0.0/24',
        ipRange: '10.214.0.128/25',
      })
      .catch(() => undefined);
    expect((seen[0]!.body as { IPAM: unknown }).IPAM).toEqual({
      Driver: 'default',
      Config: [{ Subnet: '10.214.0.0/24' }],
    });
    expect([podman.subnetPrefix, createDockerodeEgressOperations(async () => docker, 'docker').subnetPrefix]).toEqual([
      '10.214',
      '10.213',
    ]);
  });

  it('passes no Docker bridge option to Podman, and a taken name is NETWORK_EXISTS', async () => {
    const { docker, seen } = await fakeEngine(() => ({
      status: 409,
      body: { message: 'network name agentctl-egress-internal already used: network already exists' },
    }));
    const egress = createDockerodeEgressOperations(async () => docker, 'podman');
    await expect(
      egress.createNetwork({
        name: 'agentctl-egress-internal',
        gateway: 'g',
        internal: true,
        labels: {},
        isolateHost: true,
      }),
    ).rejects.toMatchObject({ code: 'NETWORK_EXISTS' });
    expect((seen[0]!.body as { Options?: unknown }).Options).toBeUndefined();
  });

  it('a network in use is NETWORK_IN_USE; a missing one is no error', async () => {
    const { docker } = await fakeEngine(({ url }) =>
      url.includes('busy')
        ? { status: 403, body: { message: 'error while removing network: network busy has active endpoints' } }
        : { status: 404, body: { message: 'no such network' } },
    );
    const egress = createDockerodeEgressOperations(async () => docker, 'docker');
    await expect(egress.removeNetwork('busy')).rejects.toMatchObject({ code: 'NETWORK_IN_USE' });
    await expect(egress.removeNetwork('gone')).resolves.toBeUndefined();
    await expect(egress.inspectNetwork('gone')).resolves.toBeUndefined();
  });

  it('creates the gateway hardened on its external network, then joins the internal one at its address', async () => {
    const { docker, seen } = await fakeEngine(({ url }) =>
      url.startsWith('/containers/create')
        ? { status: 201, body: { Id: 'gw1' } }
        : url === '/info'
          ? { status: 200, body: { LoggingDriver: 'json-file' } }
          : { status: 200, body: {} },
    );
    const egress = createDockerodeEgressOperations(async () => docker, 'docker');
    const spec: GatewaySpec = {
      name: 'agentctl-egress',
      image: 'sha256:abc',
      command: ['node', '/var/lib/agentctl-egress/proxy/egress-proxy.cjs'],
      env: [{ name: 'EGRESS_LISTEN', value: '10.89.7.2:3128' }],
      user: { uid: 1000, gid: 1000 },
      labels: { 'io.agentctl.managed': 'true' },
      externalNetwork: 'agentctl-egress-external',
      internalNetwork: { name: 'agentctl-egress-internal', address: '10.89.7.2' },
      program: '/var/lib/agentctl-egress/program/egress-proxy.cjs',
      stateVolume: { name: 'agentctl-egress-state', target: '/var/lib/agentctl-egress' },
      limits: { cpus: 1, memoryBytes: 256 * 1024 ** 2, pids: 128, logBytes: 1024 ** 2 },
    };
    await expect(egress.createGateway(spec)).resolves.toEqual({ id: 'gw1' });
    // The log driver is asked for once, when the gateway is made.
    expect(seen[0]!.url).toBe('/info');
    expect(seen[1]!.url).toContain('name=agentctl-egress');
    expect(seen[1]!.body).toMatchObject({
      Entrypoint: ['node'],
      Cmd: ['/var/lib/agentctl-egress/proxy/egress-proxy.cjs'],
      User: '1000:1000',
      HostConfig: {
        NetworkMode: 'agentctl-egress-external',
        ReadonlyRootfs: true,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Binds: ['agentctl-egress-state:/var/lib/agentctl-egress:rw'],
        LogConfig: { Type: '', Config: { 'max-size': String(1024 ** 2), 'max-file': '5' } },
      },
    });
    expect(seen[2]).toMatchObject({
      method: 'POST',
      url: '/networks/agentctl-egress-internal/connect',
      body: { Container: 'gw1', EndpointConfig: { IPAMConfig: { IPv4Address: '10.89.7.2' } } },
    });
    expect(gatewayCreateBody(spec)).not.toHaveProperty('HostConfig.Privileged');
    // A log driver that takes no size (journald): the engine's own log options.
    expect(gatewayCreateBody(spec, false)).not.toHaveProperty('HostConfig.LogConfig');
  });

  it('removes the gateway again when it cannot join the internal network', async () => {
    const { docker, seen } = await fakeEngine(({ url }) =>
      url.startsWith('/containers/create')
        ? { status: 201, body: { Id: 'gw1' } }
        : url.includes('/connect')
          ? { status: 500, body: { message: 'no address left' } }
          : { status: 204, body: {} },
    );
    const egress = createDockerodeEgressOperations(async () => docker, 'podman');
    await expect(
      egress.createGateway({
        name: 'g',
        image: 'i',
        command: ['node'],
        env: [],
        user: { uid: 1, gid: 1 },
        labels: {},
        externalNetwork: 'e',
        internalNetwork: { name: 'i', address: '10.0.0.2' },
        program: '/v/p.cjs',
        stateVolume: { name: 'v', target: '/v' },
        limits: { cpus: 1, memoryBytes: 1, pids: 1 },
      }),
    ).rejects.toMatchObject({ code: 'ENGINE_FAILED' });
    expect(seen.at(-1)).toMatchObject({ method: 'DELETE', url: expect.stringMatching(/^\/containers\/gw1\?/) });
  });
});

describe("the egress gateway's files over the engine's archive API", () => {
  function engineWithArchive(archive?: Buffer) {
    const put: Array<{ id: string; archive: Buffer; path: string }> = [];
    const docker = {
      getContainer: (id: string) => ({
        putArchive: async (body: Buffer, options: { path: string }) => {
          put.push({ id, archive: body, path: options.path });
        },
        getArchive: async () => {
          if (archive === undefined) throw Object.assign(new Error('no such path'), { statusCode: 404 });
          return Readable.from([archive.subarray(0, 700), archive.subarray(700)]);
        },
      }),
    } as unknown as Dockerode;
    return { egress: createDockerodeEgressOperations(async () => docker, 'docker'), put };
  }

  it('writes the entries as one archive into the directory given', async () => {
    const { egress, put } = engineWithArchive();
    await egress.writeGatewayFiles('gw1', '/etc/agentctl-egress', [
      { name: 'allow.txt', type: 'file', mode: 0o644, content: Buffer.from('registry.npmjs.org\n') },
    ]);
    expect(put.map((entry) => [entry.id, entry.path])).toEqual([['gw1', '/etc/agentctl-egress']]);
    expect(await readTar(put[0]!.archive)).toMatchObject([
      { name: 'allow.txt', type: 'file', mode: 0o644, content: Buffer.from('registry.npmjs.org\n') },
    ]);
  });

  it('reads back the first file of the archive the engine sends, and nothing for a missing path', async () => {
    const content = Buffer.alloc(900, 'l');
    const archive = await createTar([
      { name: 'log', type: 'directory', mode: 0o755 },
      { name: 'log/denied.log', type: 'file', mode: 0o644, content },
    ]);
    expect(await engineWithArchive(archive).egress.readGatewayFile('gw1', '/var/log/egress')).toEqual(content);
    expect(await engineWithArchive().egress.readGatewayFile('gw1', '/nothing')).toBeUndefined();
  });
});
