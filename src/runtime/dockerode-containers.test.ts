import { describe, expect, it } from 'vitest';
import { matchesLabels } from './dockerode-containers.js';

describe('matchesLabels', () => {
  it('requires every filter (Podman 4.3 ORs several label filters on volumes)', () => {
    const labels = { 'io.agentctl.managed': 'true', 'io.agentctl.workspace': '/w/a' };
    expect(matchesLabels(labels, { 'io.agentctl.managed': 'true', 'io.agentctl.workspace': '/w/a' })).toBe(true);
    expect(matchesLabels(labels, { 'io.agentctl.managed': 'true', 'io.agentctl.workspace': '/w/b' })).toBe(false);
    expect(matchesLabels(labels, { 'io.agentctl.agent': true })).toBe(false);
    expect(matchesLabels(labels, { 'io.agentctl.managed': true })).toBe(true);
  });
});

describe('createVolume', () => {
  it('reports a volume made at the same moment by another start as existing (Podman errors, Docker does not)', async () => {
    const { createDockerodeContainerOperations } = await import('./dockerode-containers.js');
    let inspections = 0;
    const docker = {
      getVolume: () => ({
        inspect: async () => {
          inspections += 1;
          if (inspections === 1) throw Object.assign(new Error('no such volume'), { statusCode: 404 });
          return { Name: 'v', Labels: { other: 'start' } };
        },
      }),
      createVolume: async () => {
        throw Object.assign(new Error('adding volume to state: name v is in use: volume already exists'), {
          statusCode: 500,
        });
      },
    };
    const operations = createDockerodeContainerOperations(docker as never, 'podman');
    await expect(operations.createVolume('v', {})).resolves.toBe(false);

    const failing = {
      ...docker,
      getVolume: () => ({
        inspect: async () => Promise.reject(Object.assign(new Error('no such volume'), { statusCode: 404 })),
      }),
    };
    await expect(
      createDockerodeContainerOperations(failing as never, 'podman').createVolume('v', {}),
    ).rejects.toMatchObject({ code: 'ENGINE_FAILED' });
  });
});

describe('fetchOciRuntime', () => {
  it("reads Docker's HostConfig.Runtime", async () => {
    const { createDockerodeContainerOperations } = await import('./dockerode-containers.js');
    const docker = {
      getContainer: (id: string) => ({ inspect: async () => ({ Id: id, HostConfig: { Runtime: 'runc' } }) }),
    };
    await expect(createDockerodeContainerOperations(docker as never, 'docker').fetchOciRuntime('c1')).resolves.toBe(
      'runc',
    );
  });

  it('asks libpod on Podman, whose Docker-compatible inspect says only "oci"', async () => {
    const { createDockerodeContainerOperations } = await import('./dockerode-containers.js');
    const paths: string[] = [];
    const docker = {
      getContainer: () => {
        throw new Error('the compat inspect must not be used on Podman');
      },
      modem: {
        dial: (options: { path: string }, callback: (error: unknown, data: unknown) => void) => {
          paths.push(options.path);
          callback(null, { OCIRuntime: 'runc', HostConfig: { Runtime: 'oci' } });
        },
      },
    };
    await expect(createDockerodeContainerOperations(docker as never, 'podman').fetchOciRuntime('c1')).resolves.toBe(
      'runc',
    );
    expect(paths).toEqual(['/v4.0.0/libpod/containers/c1/json']);
  });

  it('reports a container that is gone as CONTAINER_NOT_FOUND', async () => {
    const { createDockerodeContainerOperations } = await import('./dockerode-containers.js');
    const docker = {
      getContainer: () => ({
        inspect: async () => Promise.reject(Object.assign(new Error('no such container'), { statusCode: 404 })),
      }),
    };
    await expect(
      createDockerodeContainerOperations(docker as never, 'docker').fetchOciRuntime('c1'),
    ).rejects.toMatchObject({ code: 'CONTAINER_NOT_FOUND' });
  });
});

describe('createContainer', () => {
  // Docker 20.10's own answer (HTTP 400) to --cpus 3 on a 2-CPU host, kept as a fixture.
  const docker = (message: string, statusCode = 400) => ({
    createContainer: async () => {
      throw Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message} `), {
        statusCode,
        json: { message },
      });
    },
  });

  it('turns Docker refusing more CPUs than its host has into a usage error naming the count (it was exit 5 with the engine text)', async () => {
    const { createDockerodeContainerOperations } = await import('./dockerode-containers.js');
    const operations = createDockerodeContainerOperations(
      docker('Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available') as never,
      'docker',
    );
    await expect(operations.createContainer({ name: 'agentctl-x', Image: 'i' } as never)).rejects.toMatchObject({
      code: 'INVALID_CPUS',
      kind: 'usage',
      message: 'Invalid CPU limit: the engine has only 2 CPUs',
      hint: 'Give --cpus 2 or less (or set resources.cpus to at most 2; the default is 2)',
    });
    const single = createDockerodeContainerOperations(
      docker('Range of CPUs is from 0.01 to 1.00, as there are only 1 CPUs available') as never,
      'docker',
    );
    await expect(single.createContainer({ name: 'agentctl-x', Image: 'i' } as never)).rejects.toMatchObject({
      message: 'Invalid CPU limit: the engine has only 1 CPU',
    });
  });

  it('leaves other refusals as engine failures', async () => {
    const { createDockerodeContainerOperations } = await import('./dockerode-containers.js');
    const operations = createDockerodeContainerOperations(docker('invalid mount config') as never, 'docker');
    await expect(operations.createContainer({ name: 'agentctl-x', Image: 'i' } as never)).rejects.toMatchObject({
      code: 'ENGINE_FAILED',
      kind: 'engine',
    });
  });
});
