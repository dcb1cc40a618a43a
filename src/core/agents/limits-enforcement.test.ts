import { describe, expect, it } from 'vitest';
import { getLimitsIgnoredReason } from './limits-enforcement.js';

describe('getLimitsIgnoredReason', () => {
  it('names rootless engines on cgroup v1, which accept limits and apply none', () => {
    expect(getLimitsIgnoredReason('podman', { rootless: true, cgroupVersion: '1' })).toBe(
      'rootless Podman on cgroup v1 cannot enforce CPU, memory and PID limits',
    );
    expect(getLimitsIgnoredReason('docker', { rootless: true, cgroupVersion: '1' })).toMatch(
      /^rootless Docker on cgroup v1/,
    );
  });

  it('says nothing where limits hold: rootful on cgroup v1, rootless on cgroup v2, Kubernetes', () => {
    expect(getLimitsIgnoredReason('podman', { rootless: false, cgroupVersion: '1' })).toBeUndefined();
    expect(getLimitsIgnoredReason('podman', { rootless: true, cgroupVersion: '2' })).toBeUndefined();
    // What the Kubernetes backend reports of itself (fetchEngineInfo): not rootless, no cgroup version.
    expect(getLimitsIgnoredReason('kubernetes', { rootless: false })).toBeUndefined();
  });
});
