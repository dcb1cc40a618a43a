import { describe, expect, it } from 'vitest';
import type { AgentSpec } from './agent-spec.js';
import { fromPortBindings, toDockerCreateBody, toSpecFacts } from './docker-create-body.js';
import { buildPod, classifyMounts } from './kubernetes/pod-spec.js';
import type { AgentRecord } from './kubernetes/agent-record.js';

const base: AgentSpec = {
  name: 'agentctl-web',
  image: 'sha256:1',
  env: [],
  workingDir: '/workspace',
  user: { uid: 1000, gid: 1000, extraGroups: [], keepHostIds: false },
  labels: {},
  terminal: true,
  mounts: [{ kind: 'home', volume: 'agentctl-web-home', target: '/home/agent' }],
  files: [],
  limits: { cpus: 1, memoryBytes: 1 << 30, memorySwapBytes: 1 << 30, pids: 100 },
  security: { addCapabilities: [], disableLabel: false },
  network: { mode: 'default' },
};

describe('published ports in each backend', () => {
  it('the engine body exposes each container port and binds it to its host address (0: the engine picks)', () => {
    const body = toDockerCreateBody(
      {
        ...base,
        ports: [
          { hostIp: '127.0.0.1', hostPort: 3000, containerPort: 3000, protocol: 'tcp' },
          { hostIp: '127.0.0.1', hostPort: 0, containerPort: 3000, protocol: 'tcp' },
          { hostIp: '0.0.0.0', hostPort: 5353, containerPort: 53, protocol: 'udp' },
        ],
      },
      'docker',
    );
    expect(body.ExposedPorts).toEqual({ '3000/tcp': {}, '53/udp': {} });
    expect(body.HostConfig.PortBindings).toEqual({
      '3000/tcp': [
        { HostIp: '127.0.0.1', HostPort: '3000' },
        { HostIp: '127.0.0.1', HostPort: '' },
      ],
      '53/udp': [{ HostIp: '0.0.0.0', HostPort: '5353' }],
    });
    // What the engine reports back is read as the same ports.
    expect(toSpecFacts({ HostConfig: body.HostConfig }).ports).toEqual([
      { hostIp: '127.0.0.1', hostPort: 3000, containerPort: 3000, protocol: 'tcp' },
      { hostIp: '127.0.0.1', hostPort: 0, containerPort: 3000, protocol: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: 5353, containerPort: 53, protocol: 'udp' },
    ]);
    expect(fromPortBindings({ '8000/tcp': null })).toEqual([]);
  });

  it('no --publish: no ports in the body', () => {
    const body = toDockerCreateBody(base, 'podman');
    expect(body).not.toHaveProperty('ExposedPorts');
    expect(body.HostConfig).not.toHaveProperty('PortBindings');
  });

  it('a Pod cannot publish a port or take GPUs by id: KUBERNETES_UNSUPPORTED with the way out', () => {
    expect(() =>
      classifyMounts({
        ...base,
        ports: [{ hostIp: '127.0.0.1', hostPort: 3000, containerPort: 3000, protocol: 'tcp' }],
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'KUBERNETES_UNSUPPORTED',
        hint: expect.stringContaining('agentctl port-forward NAME PORT'),
      }),
    );
    expect(() => classifyMounts({ ...base, gpus: { count: 'all' } })).toThrow(
      expect.objectContaining({ code: 'KUBERNETES_UNSUPPORTED' }),
    );
    expect(() => classifyMounts({ ...base, gpus: { deviceIds: ['0'] } })).toThrow(
      expect.objectContaining({ code: 'KUBERNETES_UNSUPPORTED' }),
    );
  });

  it('a Pod gets --gpus N as the nvidia.com/gpu resource', () => {
    const record: AgentRecord = { format: 2, spec: { ...base, gpus: { count: 2 } }, files: [] } as AgentRecord;
    const pod = buildPod('agentctl-web', record, { metadata: { name: 'agentctl-web', uid: 'u' } });
    const resources = pod.spec!.containers[0]!.resources!;
    expect(resources.limits).toMatchObject({ 'nvidia.com/gpu': '2' });
    expect(resources.requests).toMatchObject({ 'nvidia.com/gpu': '2' });
  });
});
