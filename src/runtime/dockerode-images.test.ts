import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { createDockerodeImageOperations } from './dockerode-images.js';

function fakeEngine(stream: PassThrough): { docker: Dockerode; queries: unknown[] } {
  const queries: unknown[] = [];
  const docker = {
    createImage: async (...args: unknown[]) => {
      queries.push(args);
      return stream;
    },
  } as unknown as Dockerode;
  return { docker, queries };
}

describe('pullImage over the engine API', () => {
  it('reports progress events and resolves at the end of the stream', async () => {
    const stream = new PassThrough();
    const { docker, queries } = fakeEngine(stream);
    const events: unknown[] = [];
    const done = createDockerodeImageOperations(docker, 'docker').pullImage('127.0.0.1:5000/a/b:1.0.0', {
      onEvent: (e) => events.push(e),
    });
    stream.write(
      '{"status":"Pulling fs layer","id":"abc"}\n{"status":"Downloading","id":"abc","progressDetail":{"current":5,"total":10}}\n',
    );
    stream.end('{"status":"Digest: sha256:1"}');
    await done;
    expect(queries[0]).toEqual([{ fromImage: '127.0.0.1:5000/a/b', tag: '1.0.0' }]);
    expect(events).toEqual([
      { status: 'Pulling fs layer', id: 'abc' },
      { status: 'Downloading', id: 'abc', current: 5, total: 10 },
      { status: 'Digest: sha256:1' },
    ]);
  });

  it('fails on an error inside a 200 stream (how Podman reports a missing image)', async () => {
    const stream = new PassThrough();
    const { docker } = fakeEngine(stream);
    const done = createDockerodeImageOperations(docker, 'podman').pullImage('x/y:1');
    stream.end(
      '{"status":"Trying to pull x/y:1"}\n{"error":"manifest unknown","errorDetail":{"message":"manifest unknown"}}\n',
    );
    await expect(done).rejects.toThrow('manifest unknown');
  });

  it('stops at once when the signal aborts (Ctrl-C) and destroys the request stream', async () => {
    const stream = new PassThrough();
    const { docker } = fakeEngine(stream);
    const controller = new AbortController();
    const done = createDockerodeImageOperations(docker, 'docker').pullImage('x/y:1', { signal: controller.signal });
    stream.write('{"status":"Downloading","id":"abc"}\n');
    await new Promise((resolve) => setImmediate(resolve));
    const reason = new Error('cancelled by SIGINT');
    controller.abort(reason);
    await expect(done).rejects.toBe(reason);
    expect(stream.destroyed).toBe(true);
  });
});

describe('removeImage over the engine API', () => {
  function engineRemoving(failure?: { statusCode: number; message: string }) {
    const calls: unknown[] = [];
    const docker = {
      getImage: (reference: string) => ({
        remove: async (options: unknown) => {
          calls.push([reference, options]);
          if (failure) throw Object.assign(new Error(failure.message), failure);
        },
      }),
    } as unknown as Dockerode;
    return { operations: createDockerodeImageOperations(docker, 'docker'), calls };
  }

  it('passes force on', async () => {
    const { operations, calls } = engineRemoving();
    await operations.removeImage('a/b:1', { force: true });
    expect(calls).toEqual([['a/b:1', { force: true }]]);
  });

  it('maps 409 (a container uses it) to a typed conflict', async () => {
    const { operations } = engineRemoving({
      statusCode: 409,
      message: '(HTTP code 409) conflict - unable to remove repository reference "a/b:1" (must force)',
    });
    await expect(operations.removeImage('a/b:1')).rejects.toMatchObject({
      code: 'IMAGE_IN_USE',
      kind: 'conflict',
      message: 'Image a/b:1 is used by a container',
      hint: 'Remove the container first, or pass --force',
    });
  });

  it('maps 404 to a typed not-found', async () => {
    const { operations } = engineRemoving({ statusCode: 404, message: '(HTTP code 404) no such image' });
    await expect(operations.removeImage('a/b:1')).rejects.toMatchObject({ code: 'IMAGE_NOT_LOCAL', kind: 'not-found' });
  });

  it('passes any other failure on as it came', async () => {
    const { operations } = engineRemoving({ statusCode: 500, message: 'boom' });
    await expect(operations.removeImage('a/b:1')).rejects.toThrow('boom');
  });
});
