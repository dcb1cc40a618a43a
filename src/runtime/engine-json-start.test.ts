import { describe, expect, it } from 'vitest';
import type { EngineHttp, EngineRequest } from './engine-http.js';
import { EngineResponseError } from './engine-http.js';
import type { EngineJsonClient } from './engine-json.js';
import { createJsonLifecycleOperations, dockerodeStandIn } from './engine-json-start.js';

function recordingClient(answer: (request: EngineRequest) => unknown = () => undefined) {
  const requests: EngineRequest[] = [];
  const client: EngineJsonClient = {
    get: () => Promise.reject(new Error('not used')),
    send: async (request) => {
      requests.push(request);
      return answer(request);
    },
  };
  return { client, requests };
}

describe('the dockerode stand-in of a start', () => {
  it('makes the requests dockerode makes', async () => {
    const { client, requests } = recordingClient((request) =>
      request.path.startsWith('/containers/create')
        ? { Id: 'abc123', Warnings: [] }
        : request.path.endsWith('/exec')
          ? { Id: 'e1' }
          : undefined,
    );
    const docker = dockerodeStandIn(client);
    expect(await docker.createContainer({ _query: { name: 'agentctl-x' }, _body: { Image: 'img' } })).toEqual({
      id: 'abc123',
    });
    await docker.getContainer('abc123').putArchive(Buffer.from('tar'), { path: '/home' });
    await docker.getContainer('abc123').start();
    await docker.getContainer('abc123').remove({ force: true, v: false });
    await docker.getImage('127.0.0.1:5000/team/image:1.0').inspect();
    await docker.getVolume('agentctl-x-home').inspect();
    await docker.createVolume({ Name: 'agentctl-x-home', Labels: { a: 'b' } });
    await docker.getContainer('abc123').stop({ t: 10 });
    await docker.getContainer('abc123').resize({ h: 24, w: 80 });
    const aborted = new AbortController();
    await docker.getContainer('abc123').wait({ condition: 'next-exit', abortSignal: aborted.signal });
    expect(await docker.getContainer('abc123').exec({ Cmd: ['true'], Tty: false })).toEqual({ id: 'e1' });
    await docker.getExec('e1').resize({ h: 24, w: 80 });
    await docker.getExec('e1').inspect();
    await docker.getVolume('agentctl-x-home').remove();
    await docker.listVolumes({ filters: '{"label":["a=b"]}' });
    expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /containers/create?name=agentctl-x',
      'PUT /containers/abc123/archive?path=%2Fhome',
      'POST /containers/abc123/start',
      'DELETE /containers/abc123?force=true&v=false',
      'GET /images/127.0.0.1:5000/team/image:1.0/json',
      'GET /volumes/agentctl-x-home',
      'POST /volumes/create',
      'POST /containers/abc123/stop?t=10',
      'POST /containers/abc123/resize?h=24&w=80',
      'POST /containers/abc123/wait?condition=next-exit',
      'POST /containers/abc123/exec',
      'POST /exec/e1/resize?h=24&w=80',
      'GET /exec/e1/json',
      'DELETE /volumes/agentctl-x-home',
      'GET /volumes?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D',
    ]);
    expect(requests[9]!.signal).toBe(aborted.signal);
    expect(requests[10]!.body).toEqual({ Cmd: ['true'], Tty: false });
    expect(requests[0]!.body).toEqual({ Image: 'img' });
    expect(requests[1]!.raw).toEqual({ content: Buffer.from('tar'), type: 'application/x-tar' });
    expect(requests[6]!.body).toEqual({ Name: 'agentctl-x-home', Labels: { a: 'b' } });
  });

  it("reads the engine's errors as the dockerode operations do", async () => {
    const { client } = recordingClient((request) => {
      if (request.path.endsWith('/start') || request.path.includes('/stop'))
        throw new EngineResponseError(304, undefined, 'not modified');
      if (request.path.startsWith('/volumes/')) throw new EngineResponseError(404, { message: 'no such volume' }, 'x');
      if (request.method === 'DELETE')
        throw new EngineResponseError(409, { message: 'container is running' }, 'conflict');
      return undefined;
    });
    const operations = createJsonLifecycleOperations(client, {} as EngineHttp, 'docker');
    await expect(operations.startContainer('abc')).resolves.toBeUndefined();
    await expect(operations.stopContainer('abc', 10)).resolves.toBeUndefined();
    await expect(operations.inspectVolume('agentctl-x-home')).resolves.toBeUndefined();
    await expect(operations.removeContainer('abc')).rejects.toMatchObject({ code: 'CONTAINER_RUNNING' });
  });
});
