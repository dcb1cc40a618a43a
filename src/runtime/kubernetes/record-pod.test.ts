import { describe, expect, it } from 'vitest';
import { containerSecurity, cpuQuantity, limitQuantities, recordPod } from './record-pod.js';

describe('the pieces every Pod of a record shares', () => {
  it('gives CPUs in thousandths, a thousandth at the least, and memory in bytes', () => {
    expect(cpuQuantity(1.5)).toBe('1500m');
    expect(cpuQuantity(0.25)).toBe('250m');
    expect(cpuQuantity(0.0001)).toBe('1m');
    expect(limitQuantities({ cpus: 2, memoryBytes: 512 * 1024 ** 2 })).toEqual({
      cpu: '2000m',
      memory: '536870912',
    });
  });

  it('runs a container as its user, never as root (uid 0 too), with only the capabilities added', () => {
    expect(containerSecurity({ uid: 1000, gid: 100 })).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsUser: 1000,
      runAsGroup: 100,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    // A user 0 asks for a root that the kubelet then refuses (runAsNonRoot), not for root.
    expect(containerSecurity({ uid: 0, gid: 0 })).toMatchObject({ runAsUser: 0, runAsNonRoot: true });
    expect(containerSecurity({ uid: 1, gid: 1 }, { add: [] }).capabilities).toEqual({ drop: ['ALL'] });
    expect(containerSecurity('root', { add: ['CHOWN'], readOnlyRootFilesystem: true })).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      capabilities: { drop: ['ALL'], add: ['CHOWN'] },
    });
  });

  it('keeps the service account token and service links out, and the group for the volumes', () => {
    const owner = { metadata: { name: 'agentctl-a', uid: 'uid-1' } };
    const pod = recordPod(
      'agentctl-a-0',
      owner,
      { 'io.agentctl.managed': 'true' },
      { gid: 1000, extraGroups: [998] },
      {
        restartPolicy: 'Never',
        containers: [{ name: 'agent' }],
      },
    );
    expect(pod.spec).toEqual({
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: { fsGroup: 1000, supplementalGroups: [998], seccompProfile: { type: 'RuntimeDefault' } },
      restartPolicy: 'Never',
      containers: [{ name: 'agent' }],
    });
    expect(pod.metadata!.labels).toEqual({
      'io.agentctl.managed': 'true',
      'agentctl.io/record': 'agentctl-a',
      'agentctl.io/record-uid': 'uid-1',
    });
    expect(pod.metadata!.ownerReferences).toEqual([expect.objectContaining({ kind: 'ConfigMap', uid: 'uid-1' })]);
    expect(recordPod('p', owner, {}, { gid: 5 }, { containers: [] }).spec!.securityContext).toEqual({
      fsGroup: 5,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });
});
