import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from './probe.js';
import { createDockerodeContainerOperations } from './dockerode-containers.js';
import { createDockerodeStreamOperations } from './dockerode-streams.js';
import { engineMessage } from './engine-errors.js';
import { createEngineJsonClient } from './engine-json.js';
import { createJsonLifecycleOperations, type LifecycleOperations } from './engine-json-start.js';

// The operations of stop, rm and the streams, run once through dockerode and once through the JSON
// client against one recording server: the same requests, and the same results and errors.
describe('stop, rm and stream operations over the JSON client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentctl-json-lifecycle-'));
  const socket = join(dir, 'engine.sock');
  let answer = { status: 204, body: '' };
  let seen: { method: string; url: string; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = answer.status;
      if (answer.body) res.setHeader('Content-Type', 'application/json');
      res.end(answer.body);
    });
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(socket, resolve)));
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const endpoint = { url: `unix://${socket}`, source: 'test' };
  const both = async (): Promise<{ dockerode: LifecycleOperations; json: LifecycleOperations }> => {
    const docker = await createDockerClient(endpoint);
    const client = createEngineJsonClient(endpoint)!;
    return {
      dockerode: {
        ...createDockerodeContainerOperations(docker, 'docker'),
        ...createDockerodeStreamOperations(docker, 'docker'),
      } as unknown as LifecycleOperations,
      json: createJsonLifecycleOperations(client, client.http, 'docker'),
    };
  };
  /** The outcome and the request line of one operation on each side. */
  async function compare(call: (operations: LifecycleOperations) => Promise<unknown>) {
    const sides = await both();
    const results = [];
    for (const operations of [sides.dockerode, sides.json]) {
      seen = [];
      const outcome = await call(operations).then(
        (value) => ({ value }),
        (error: Error & { code?: string; hint?: string; statusCode?: number }) => ({
          // An error passed on unmapped (exec, resize, wait) is compared by its status and the
          // engine's words: dockerode's message adds "(HTTP code 404) no such exec - " before them.
          error:
            error.code === undefined
              ? { status: error.statusCode, engine: engineMessage(error) }
              : { code: error.code, message: error.message, hint: error.hint },
        }),
      );
      results.push({ outcome, requests: seen.map((request) => `${request.method} ${request.url}`) });
    }
    expect(results[1]).toEqual(results[0]);
    return results[0]!;
  }

  const statuses = [
    { status: 204, body: '' },
    { status: 404, body: JSON.stringify({ message: 'No such container: abc' }) },
    { status: 409, body: JSON.stringify({ message: 'conflict: in use' }) },
    { status: 500, body: JSON.stringify({ message: 'storage is on fire' }) },
  ];

  it.each(statuses)('stop, remove and the volume calls answered $status', async (given) => {
    answer = given;
    await compare((operations) => operations.stopContainer('abc', 7));
    answer = { status: 304, body: '' };
    expect((await compare((operations) => operations.stopContainer('abc', 7))).outcome).toEqual({ value: undefined });
    answer = given;
    await compare((operations) => operations.removeContainer('abc', { force: true }));
    await compare((operations) => operations.removeVolume('agentctl-x-home'));
  });

  it('a failed stop is reported as CONTAINER_NOT_FOUND, a volume in use as VOLUME_IN_USE', async () => {
    answer = statuses[1]!;
    expect((await compare((operations) => operations.stopContainer('abc', 0))).outcome).toMatchObject({
      error: { code: 'CONTAINER_NOT_FOUND' },
    });
    answer = statuses[2]!;
    expect((await compare((operations) => operations.removeVolume('agentctl-x-home'))).outcome).toMatchObject({
      error: { code: 'VOLUME_IN_USE' },
    });
  });

  it('lists volumes with the same label filter', async () => {
    answer = {
      status: 200,
      body: JSON.stringify({ Volumes: [{ Name: 'agentctl-x-home', Labels: { 'io.agentctl.managed': 'true' } }] }),
    };
    const { outcome, requests } = await compare((operations) =>
      operations.listVolumes({ 'io.agentctl.managed': 'true' }),
    );
    expect(outcome).toEqual({ value: [{ name: 'agentctl-x-home', labels: { 'io.agentctl.managed': 'true' } }] });
    expect(requests).toHaveLength(1);
  });

  it('creates, resizes and inspects an exec, resizes and waits for a container', async () => {
    answer = { status: 201, body: JSON.stringify({ Id: 'e1' }) };
    const options = { command: ['sh', '-c', 'true'], tty: true, stdin: false, user: '1000:1000', env: ['A=1'] };
    const sides = await both();
    const bodies = [];
    for (const operations of [sides.dockerode, sides.json]) {
      seen = [];
      expect(await operations.createExec('abc', options)).toBe('e1');
      bodies.push(
        seen.map((request) => ({ line: `${request.method} ${request.url}`, body: JSON.parse(request.body) })),
      );
    }
    expect(bodies[1]).toEqual(bodies[0]);
    answer = { status: 200, body: JSON.stringify({ Running: false, ExitCode: 3 }) };
    expect((await compare((operations) => operations.inspectExec('e1'))).outcome).toEqual({
      value: { running: false, exitCode: 3 },
    });
    answer = { status: 200, body: '' };
    await compare((operations) => operations.resizeExec('e1', { columns: 80, rows: 24 }));
    await compare((operations) => operations.resizeContainer('abc', { columns: 80, rows: 24 }));
    answer = { status: 200, body: JSON.stringify({ StatusCode: 5 }) };
    // With a signal: without one, dockerode puts an empty `abortSignal=` in the query.
    const signal = new AbortController().signal;
    expect((await compare((operations) => operations.waitContainerExit('abc', signal))).outcome).toEqual({
      value: 5,
    });
    answer = { status: 404, body: JSON.stringify({ message: 'no such exec' }) };
    expect((await compare((operations) => operations.inspectExec('e1'))).outcome).toEqual({
      error: { status: 404, engine: 'no such exec' },
    });
    await compare((operations) => operations.createExec('abc', options));
  });
});
