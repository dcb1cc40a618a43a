import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from './probe.js';
import { createDockerodeContainerOperations } from './dockerode-containers.js';
import { createEngineJsonClient } from './engine-json.js';
import { createJsonContainerReads } from './engine-json-containers.js';

// Each answer by the path's first segment after /containers/ (inspect) or a list query marker.
const ANSWERS: Record<string, { status: number; body: string }> = {
  ok: {
    status: 200,
    body: JSON.stringify({
      Id: 'abc',
      Name: '/agentctl-ok',
      State: {
        Status: 'running',
        Running: true,
        StartedAt: '2026-01-01T00:00:00Z',
        FinishedAt: '0001-01-01T00:00:00Z',
        ExitCode: 0,
      },
      Config: { Labels: { a: 'b' }, Image: 'img:1', User: 'agent', Env: ['A=1'], Tty: true },
      HostConfig: { NanoCpus: 2e9, Memory: 1024, PidsLimit: 512 },
    }),
  },
  gone: { status: 404, body: JSON.stringify({ message: 'No such container: gone' }) },
  // Podman, for a container another client is removing at that moment (podman#10120).
  removing: {
    status: 500,
    body: JSON.stringify({ message: 'container 1d6f61 does not exist in database: no such container' }),
  },
  broken: { status: 500, body: JSON.stringify({ message: 'storage is on fire' }) },
  text: { status: 500, body: 'plain failure text' },
};

describe('container reads over the JSON client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentctl-json-'));
  const socket = join(dir, 'engine.sock');
  let listAnswer = ANSWERS.ok!;
  const server = createServer((req, res) => {
    const answer = req.url!.startsWith('/containers/json')
      ? listAnswer
      : ANSWERS[decodeURIComponent(req.url!.split('/')[2]!)]!;
    res.statusCode = answer.status;
    res.end(answer.body);
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(socket, resolve)));
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const endpoint = { url: `unix://${socket}`, source: 'test' };
  const both = async () => ({
    dockerode: createDockerodeContainerOperations(await createDockerClient(endpoint), 'docker'),
    json: createJsonContainerReads(createEngineJsonClient(endpoint)!),
  });
  const outcome = (promise: Promise<unknown>) =>
    promise.then(
      (value) => ({ value }),
      (error: Error & { code?: string; hint?: string }) => ({
        error: { name: error.name, code: error.code, message: error.message, hint: error.hint },
      }),
    );

  it("inspects as dockerode does: details, 404 and Podman's 'no such container' as absent, engine failures with the engine's words", async () => {
    const { dockerode, json } = await both();
    for (const name of ['ok', 'gone', 'removing', 'broken']) {
      const expected = await outcome(dockerode.inspectContainer(name));
      const actual = await outcome(json.inspectContainer(name));
      if ('value' in expected && expected.value) delete (expected.value as { raw?: unknown }).raw;
      if ('value' in actual && actual.value) delete (actual.value as { raw?: unknown }).raw;
      expect(actual, name).toEqual(expected);
    }
    expect(await json.inspectContainer('removing')).toBeUndefined();
    expect(await dockerode.inspectContainer('removing')).toBeUndefined();
    expect(await outcome(json.inspectContainer('broken'))).toHaveProperty(
      'error.message',
      'The engine could not inspect the container: storage is on fire',
    );
    // A body that is not JSON: the engine's text as it is (docker-modem adds its own "server error - ").
    expect(await outcome(json.inspectContainer('text'))).toEqual({
      error: {
        name: 'EngineError',
        code: 'ENGINE_FAILED',
        message: 'The engine could not inspect the container: plain failure text',
        hint: 'Check the engine with `agentctl doctor`, then retry (add --verbose for details)',
      },
    });
    expect(await json.inspectContainer('ok')).toMatchObject({
      name: 'agentctl-ok',
      state: 'running',
      hostConfig: { nanoCpus: 2e9, memory: 1024, pidsLimit: 512 },
    });
  });

  it('lists and fails to list as dockerode does', async () => {
    const { dockerode, json } = await both();
    listAnswer = ANSWERS.broken!;
    const actual = await outcome(json.listContainers({ labels: { x: true }, all: true }));
    expect(actual).toEqual(await outcome(dockerode.listContainers({ labels: { x: true }, all: true })));
    expect(actual).toHaveProperty('error.message', 'The engine could not list containers: storage is on fire');
    listAnswer = ANSWERS.text!;
    expect(await outcome(json.listContainers({ labels: { x: true }, all: true }))).toHaveProperty(
      'error.message',
      'The engine could not list containers: plain failure text',
    );
  });

  it('reports an engine that went away as dockerode does', async () => {
    const gone = { url: `unix://${join(dir, 'missing.sock')}`, source: 'test' };
    const dockerode = createDockerodeContainerOperations(await createDockerClient(gone), 'docker');
    const json = createJsonContainerReads(createEngineJsonClient(gone)!);
    expect(await outcome(json.listContainers({ labels: {}, all: true }))).toEqual(
      await outcome(dockerode.listContainers({ labels: {}, all: true })),
    );
  });

  it('serves every transport (ssh:// and named pipes too), and no malformed URL', () => {
    expect(createEngineJsonClient({ url: 'ssh://me@host', source: 'test' })).toBeDefined();
    expect(createEngineJsonClient({ url: 'npipe:////./pipe/docker_engine', source: 'test' })).toBeDefined();
    expect(createEngineJsonClient({ url: 'tcp://', source: 'test' })).toBeUndefined();
  });
});
