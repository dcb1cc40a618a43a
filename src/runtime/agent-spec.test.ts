import { describe, expect, it } from 'vitest';
import { assertEveryFieldDecided, networkName, parseNetwork, specFacts, type AgentSpec } from './agent-spec.js';
import { toDockerCreateBody, toSpecFacts } from './docker-create-body.js';

const spec: AgentSpec = {
  name: 'agentctl-x',
  image: 'sha256:abc',
  command: ['sleep', '60'],
  env: [{ name: 'A', value: '1' }],
  workingDir: '/workspace',
  user: { uid: 501, gid: 20, extraGroups: [998], keepHostIds: true },
  labels: { 'io.agentctl.managed': 'true' },
  terminal: false,
  mounts: [
    { kind: 'workspace', source: '/src/app', target: '/workspace', readOnly: true, relabel: true },
    { kind: 'home', volume: 'agentctl-x-home', target: '/home/agent' },
    { kind: 'host', source: '/run/user/1/ssh', target: '/run/ssh-agent.sock', readOnly: false, relabel: false },
  ],
  files: [],
  limits: { cpus: 0.5, memoryBytes: 1024, memorySwapBytes: 1024, pids: 64 },
  security: { addCapabilities: ['NET_BIND_SERVICE'], disableLabel: true },
  network: { mode: 'named', name: 'host' },
  ociRuntime: 'runsc',
};

describe('the agent spec at the seam', () => {
  it('a mapping that leaves a field undecided does not type-check', () => {
    const { name: _name, ...rest } = { name: 'x', extra: true };
    // @ts-expect-error `extra` was not taken apart: the type check fails until a backend decides it.
    assertEveryFieldDecided(rest);
    assertEveryFieldDecided({});
    expect(rest).toEqual({ extra: true });
  });

  it('maps every field to the engine body, and what the engine reports back gives the same facts', () => {
    const body = toDockerCreateBody(spec, 'podman');
    expect(body).toMatchObject({
      name: 'agentctl-x',
      Image: 'sha256:abc',
      Cmd: ['sleep', '60'],
      Env: ['A=1'],
      User: '501:20',
      WorkingDir: '/workspace',
      Tty: false,
      OpenStdin: false,
      HostConfig: {
        Binds: ['/src/app:/workspace:ro,z', 'agentctl-x-home:/home/agent:rw', '/run/user/1/ssh:/run/ssh-agent.sock:rw'],
        CapDrop: ['ALL'],
        CapAdd: ['NET_BIND_SERVICE'],
        SecurityOpt: ['no-new-privileges', 'label=disable'],
        NanoCpus: 500_000_000,
        Memory: 1024,
        MemorySwap: 1024,
        PidsLimit: 64,
        GroupAdd: ['998'],
        UsernsMode: 'keep-id',
        Runtime: 'runsc',
        NetworkMode: 'host',
      },
    });
    expect(toSpecFacts({ Config: { Cmd: body.Cmd ?? null }, HostConfig: body.HostConfig })).toEqual(specFacts(spec));
  });

  it('reads networks as users write them', () => {
    expect(parseNetwork(undefined)).toEqual({ mode: 'default' });
    expect(parseNetwork('none')).toEqual({ mode: 'none' });
    expect(networkName(parseNetwork('my-net'))).toBe('my-net');
    expect(
      toDockerCreateBody({ ...spec, network: { mode: 'default' } }, 'docker').HostConfig.NetworkMode,
    ).toBeUndefined();
  });
});
