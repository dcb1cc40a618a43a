import type { AgentSpec } from './agent-spec.js';
import { describe, expect, it } from 'vitest';
import { matchesLabels } from './container-mapping.js';
import { createRetryingKeepIdRace } from './dockerode-containers.js';

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

const SPEC: AgentSpec = {
  name: 'agentctl-x',
  image: 'i',
  env: [],
  workingDir: '/workspace',
  user: { uid: 1000, gid: 1000, extraGroups: [], keepHostIds: false },
  labels: {},
  terminal: true,
  mounts: [{ kind: 'home', volume: 'agentctl-x-home', target: '/home/agent' }],
  files: [{ dir: '/run/secrets', mode: 0o500, files: [{ name: 'K', mode: 0o400, content: Buffer.from('v') }] }],
  limits: { cpus: 1, memoryBytes: 1 << 30, memorySwapBytes: 1 << 30, pids: 100 },
  security: { addCapabilities: [], disableLabel: false },
  network: { mode: 'default' },
};

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
    await expect(operations.createContainer(SPEC)).rejects.toMatchObject({
      code: 'INVALID_CPUS',
      kind: 'usage',
      message: 'Invalid CPU limit: the engine has only 2 CPUs',
      hint: 'Give --cpus 2 or less (or set resources.cpus to at most 2; the default is 2)',
    });
    const single = createDockerodeContainerOperations(
      docker('Range of CPUs is from 0.01 to 1.00, as there are only 1 CPUs available') as never,
      'docker',
    );
    await expect(single.createContainer(SPEC)).rejects.toMatchObject({
      message: 'Invalid CPU limit: the engine has only 1 CPU',
    });
  });

  it('sends the name alone in the query and the spec in the body (dockerode copied all of it into the URL: 431 over 1 MiB)', async () => {
    const { createDockerodeContainerOperations } = await import('./dockerode-containers.js');
    const seen: unknown[] = [];
    const engine = {
      createContainer: async (request: unknown) => {
        seen.push(request);
        return { id: 'c1' };
      },
      getContainer: () => ({ putArchive: async () => undefined }),
    };
    const big = { ...SPEC, command: ['echo', 'a'.repeat(100_000)] };
    await createDockerodeContainerOperations(engine as never, 'docker').createContainer(big);
    const [request] = seen as Array<{ _query: Record<string, string>; _body: { Cmd: string[]; name?: string } }>;
    expect(request!._query).toEqual({ name: 'agentctl-x' });
    expect(request!._body.Cmd).toEqual(big.command);
    expect(request!._body.name).toBeUndefined();
  });

  it('refuses a bind path with ":" as a usage error before asking the engine (it was ENGINE_FAILED, exit 5)', async () => {
    const { createDockerodeContainerOperations } = await import('./dockerode-containers.js');
    let asked = false;
    const engine = {
      createContainer: async () => {
        asked = true;
        return { id: 'c1' };
      },
    };
    const colon = {
      ...SPEC,
      mounts: [{ kind: 'workspace', source: '/tmp/a:b', target: '/workspace', readOnly: false, relabel: false }],
    };
    await expect(
      createDockerodeContainerOperations(engine as never, 'docker').createContainer(colon as never),
    ).rejects.toMatchObject({ code: 'PATH_HAS_COLON', kind: 'usage' });
    expect(asked).toBe(false);
  });

  it('leaves other refusals as engine failures', async () => {
    const { createDockerodeContainerOperations } = await import('./dockerode-containers.js');
    const operations = createDockerodeContainerOperations(docker('invalid mount config') as never, 'docker');
    await expect(operations.createContainer(SPEC)).rejects.toMatchObject({
      code: 'ENGINE_FAILED',
      kind: 'engine',
    });
  });

  it('copies the home ownership and the files in after create in one archive, and removes the container when that fails', async () => {
    const { createDockerodeContainerOperations } = await import('./dockerode-containers.js');
    const calls: string[] = [];
    const engine = (failUpload: boolean) => ({
      createContainer: async (request: { _query: { name: string }; _body: { Env: string[] } }) => {
        const body = request._body;
        calls.push(
          `create ${request._query.name} ${JSON.stringify(body).includes('"v"') ? 'with' : 'without'} file contents`,
        );
        return { id: 'c1' };
      },
      getContainer: () => ({
        putArchive: async (_archive: Buffer, options: { path: string }) => {
          calls.push(`put ${options.path}`);
          if (failUpload)
            throw Object.assign(new Error('no space'), { statusCode: 500, json: { message: 'no space' } });
        },
        remove: async () => {
          calls.push('remove');
        },
      }),
    });
    expect(await createDockerodeContainerOperations(engine(false) as never, 'docker').createContainer(SPEC)).toEqual({
      id: 'c1',
    });
    expect(calls).toEqual(['create agentctl-x without file contents', 'put /']);
    calls.length = 0;
    await expect(
      createDockerodeContainerOperations(engine(true) as never, 'docker').createContainer(SPEC),
    ).rejects.toMatchObject({
      code: 'ENGINE_FAILED',
    });
    expect(calls).toEqual(['create agentctl-x without file contents', 'put /', 'remove']);
  });

  it('gives the id of a container it made and could not remove (the engine went away) for the caller to remove', async () => {
    const { createDockerodeContainerOperations } = await import('./dockerode-containers.js');
    const { getHalfMadeContainer } = await import('./container-operations.js');
    const lost = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const engine = {
      createContainer: async () => ({ id: 'c1' }),
      getContainer: () => ({
        putArchive: async () => Promise.reject(lost()),
        remove: async () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      }),
    };
    const error = await createDockerodeContainerOperations(engine as never, 'podman')
      .createContainer(SPEC)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ENGINE_CONNECTION_LOST' });
    expect(getHalfMadeContainer(error)).toBe('c1');
  });
});

describe('createRetryingKeepIdRace (rootless Podman 4.3, containers/storage#2030)', () => {
  const race = Object.assign(
    new Error(
      '(HTTP code 500) server error - container create: keep-id requires additional UIDs or GIDs defined in /etc/subuid and /etc/subgid to function correctly: %!w(<nil>)',
    ),
    { statusCode: 500 },
  );
  const engine = (failures: Error[]) => {
    let calls = 0;
    return {
      get calls() {
        return calls;
      },
      createContainer: async () => {
        calls++;
        const failure = failures.shift();
        if (failure) throw failure;
        return { id: 'made' } as never;
      },
    };
  };
  const noWait = async () => undefined;

  it('tries a create refused by the keep-id race again, and gets the container', async () => {
    const docker = engine([race, race]);
    await expect(createRetryingKeepIdRace(docker as never, {} as never, noWait)).resolves.toEqual({ id: 'made' });
    expect(docker.calls).toBe(3);
  });

  it('gives up after four tries, and never retries another error', async () => {
    const racing = engine([race, race, race, race, race]);
    await expect(createRetryingKeepIdRace(racing as never, {} as never, noWait)).rejects.toBe(race);
    expect(racing.calls).toBe(4);
    const taken = Object.assign(new Error('container name "x" is already in use'), { statusCode: 500 });
    const other = engine([taken]);
    await expect(createRetryingKeepIdRace(other as never, {} as never, noWait)).rejects.toBe(taken);
    expect(other.calls).toBe(1);
  });
});
