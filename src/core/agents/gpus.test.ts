import { describe, expect, it } from 'vitest';
import { toDockerCreateBody } from '../../runtime/docker-create-body.js';
import { buildAgentSpec } from './agent-spec.js';
import { parseGpus } from './gpus.js';

const spec = (gpus: string) =>
  buildAgentSpec({
    name: 'g',
    workspace: '/src/app',
    readOnly: false,
    image: { reference: 'img', id: 'sha256:1', source: 'local' },
    env: [],
    secretFileEnv: [],
    files: [],
    user: { uid: 1000, gid: 1000, reason: 'test' },
    limits: { cpus: 1, memory: 1 << 30, pidsLimit: 100, logBytes: 0 },
    capabilities: [],
    selinux: false,
    cliVersion: '0.0.0',
    gpus: parseGpus(gpus),
  });

describe('--gpus', () => {
  it('takes all, a number and device ids (docker quotes too); refuses anything else', () => {
    expect(parseGpus('all')).toEqual({ count: 'all' });
    expect(parseGpus('2')).toEqual({ count: 2 });
    expect(parseGpus('device=0,1')).toEqual({ deviceIds: ['0', '1'] });
    expect(parseGpus('"device=GPU-3a2b"')).toEqual({ deviceIds: ['GPU-3a2b'] });
    for (const bad of ['0', '', 'some', 'device=', 'device=a;b', '-1'])
      expect(() => parseGpus(bad)).toThrow(expect.objectContaining({ code: 'INVALID_GPUS' }));
  });

  it('Docker gets device requests for the gpu capability, as `docker run --gpus` sends them', () => {
    expect(toDockerCreateBody(spec('all'), 'docker').HostConfig.DeviceRequests).toEqual([
      { Driver: '', Count: -1, Capabilities: [['gpu']] },
    ]);
    expect(toDockerCreateBody(spec('2'), 'docker').HostConfig.DeviceRequests).toEqual([
      { Driver: '', Count: 2, Capabilities: [['gpu']] },
    ]);
    expect(toDockerCreateBody(spec('device=1'), 'docker').HostConfig.DeviceRequests).toEqual([
      { Driver: '', Count: 0, DeviceIDs: ['1'], Capabilities: [['gpu']] },
    ]);
    expect(toDockerCreateBody(spec('all'), 'docker').HostConfig.Devices).toBeUndefined();
  });

  it('Podman gets CDI device names (nvidia.com/gpu=…), as `podman run --device` takes them', () => {
    const devices = (value: string) =>
      toDockerCreateBody(spec(value), 'podman').HostConfig.Devices?.map((device) => device.PathOnHost);
    expect(devices('all')).toEqual(['nvidia.com/gpu=all']);
    expect(devices('2')).toEqual(['nvidia.com/gpu=0', 'nvidia.com/gpu=1']);
    expect(devices('device=GPU-3a2b')).toEqual(['nvidia.com/gpu=GPU-3a2b']);
    expect(toDockerCreateBody(spec('all'), 'podman').HostConfig.DeviceRequests).toBeUndefined();
  });

  it('no --gpus: no devices at all', () => {
    const plain = { ...spec('all'), gpus: undefined };
    expect(toDockerCreateBody(plain, 'docker').HostConfig).not.toHaveProperty('DeviceRequests');
    expect(toDockerCreateBody(plain, 'podman').HostConfig).not.toHaveProperty('Devices');
  });
});
