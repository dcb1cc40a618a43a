import { describe, expect, it } from 'vitest';
import type { EngineRequest } from './engine-http.js';
import { EngineResponseError } from './engine-http.js';
import type { EngineJsonClient } from './engine-json.js';
import { createJsonStartOperations, dockerodeStandIn } from './engine-json-start.js';

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
      request.path.startsWith('/containers/create') ? { Id: 'abc123', Warnings: [] } : undefined,
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
    expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /containers/create?name=agentctl-x',
      'PUT /containers/abc123/archive?path=%2Fhome',
      'POST /containers/abc123/start',
      'DELETE /containers/abc123?force=true&v=false',
      'GET /images/127.0.0.1:5000/team/image:1.0/json',
      'GET /volumes/agentctl-x-home',
      'POST /volumes/create',
    ]);
    expect(requests[0]!.body).toEqual({ Image: 'img' });
    expect(requests[1]!.raw).toEqual({ content: Buffer.from('tar'), type: 'application/x-tar' });
    expect(requests[6]!.body).toEqual({ Name: 'agentctl-x-home', Labels: { a: 'b' } });
  });

  it("reads the engine's errors as the dockerode operations do", async () => {
    const { client } = recordingClient((request) => {
      if (request.path.endsWith('/start')) throw new EngineResponseError(304, undefined, 'not modified');
      if (request.path.startsWith('/volumes/')) throw new EngineResponseError(404, { message: 'no such volume' }, 'x');
      if (request.method === 'DELETE')
        throw new EngineResponseError(409, { message: 'container is running' }, 'conflict');
      return undefined;
    });
    const operations = createJsonStartOperations(client, 'docker');
    await expect(operations.startContainer('abc')).resolves.toBeUndefined();
    await expect(operations.inspectVolume('agentctl-x-home')).resolves.toBeUndefined();
    await expect(operations.removeContainer('abc')).rejects.toMatchObject({ code: 'CONTAINER_RUNNING' });
  });
});
