import { describe, expect, it } from 'vitest';
import { toEngineInfo } from './dockerode-engine.js';

describe('toEngineInfo', () => {
  it('reads rootless Podman from its security options and its graph root as the storage root', () => {
    const info = toEngineInfo({
      Name: 'devbox',
      DockerRootDir: '/home/ada/.local/share/containers/storage',
      Driver: 'overlay',
      SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'],
      CgroupVersion: '2',
      CgroupDriver: 'systemd',
    });
    expect(info).toMatchObject({
      rootless: true,
      storageRoot: '/home/ada/.local/share/containers/storage',
      cgroupVersion: '2',
      cgroupDriver: 'systemd',
    });
  });

  it('reads rootless Podman from its Rootless field (Podman 4.3 leaves name=rootless out of SecurityOptions)', () => {
    // As the rootless API service of Podman 4.3.1 answers on Debian 12 (cgroup v1).
    const info = toEngineInfo({
      Name: 'vm',
      DockerRootDir: '/home/dev/.local/share/containers/storage',
      Driver: 'vfs',
      SecurityOptions: ['name=seccomp,profile=default'],
      CgroupVersion: '1',
      Rootless: true,
    });
    expect(info).toMatchObject({ rootless: true, cgroupVersion: '1' });
    expect(toEngineInfo({ SecurityOptions: ['name=seccomp,profile=default'], Rootless: false }).rootless).toBe(false);
  });

  it('reports rootful Docker on cgroup v1 (as dockerd 20.10 answers here)', () => {
    const info = toEngineInfo({
      Name: 'vm',
      DockerRootDir: '/var/lib/docker',
      SecurityOptions: ['name=seccomp,profile=default'],
      CgroupVersion: '1',
    });
    expect(info).toMatchObject({
      rootless: false,
      cgroupVersion: '1',
      securityOptions: ['name=seccomp,profile=default'],
    });
  });

  it('tolerates an engine that leaves fields out', () => {
    expect(toEngineInfo({})).toMatchObject({
      name: '',
      storageRoot: '',
      rootless: false,
      securityOptions: [],
      cgroupVersion: undefined,
    });
  });

  it('lists the OCI runtimes the engine knows, and its default (as Podman 4.3 answers here)', () => {
    const info = toEngineInfo({
      Runtimes: { runsc: { path: '/usr/bin/runsc' }, runc: { path: '/usr/bin/runc' }, crun: { path: '/usr/bin/crun' } },
      DefaultRuntime: 'runc',
    });
    expect(info.runtimes).toEqual(['crun', 'runc', 'runsc']);
    expect(info.defaultRuntime).toBe('runc');
  });

  it('leaves the runtimes out when the engine does not list them (an unknown list, not an empty one)', () => {
    expect(toEngineInfo({})).not.toHaveProperty('runtimes');
  });

  it('keeps the CPU count of the engine host (NCPU), and leaves it out when the engine does not say', () => {
    expect(toEngineInfo({ NCPU: 1 }).cpus).toBe(1);
    expect(toEngineInfo({}).cpus).toBeUndefined();
    expect(toEngineInfo({ NCPU: 0 }).cpus).toBeUndefined();
  });

  it("knows whether the default log driver takes a size: json-file, local and Podman's unnamed one do", () => {
    expect(toEngineInfo({ LoggingDriver: 'json-file' }).boundedLogs).toBe(true);
    expect(toEngineInfo({ LoggingDriver: 'local' }).boundedLogs).toBe(true);
    expect(toEngineInfo({ LoggingDriver: '' }).boundedLogs).toBe(true);
    expect(toEngineInfo({ LoggingDriver: 'journald' }).boundedLogs).toBe(false);
    expect(toEngineInfo({ LoggingDriver: 'syslog' }).boundedLogs).toBe(false);
  });
});
