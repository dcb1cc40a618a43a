import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FrameDemuxer } from '../../io/demux.js';
import {
  agentObjectsInTurn,
  agentPod,
  agentRecord,
  createFakeKubeApi,
} from '../../../test/helpers/fake-kube-streams.js';
import type { AgentObjects } from './agent-objects.js';
import { podLogQuery, streamAgentLogs } from './kube-logs.js';

const running = { state: { running: {} } };
const exited = { state: { terminated: { exitCode: 0 } } };

function logs(answers: Array<AgentObjects | undefined>) {
  const api = createFakeKubeApi();
  const objects = agentObjectsInTurn(answers);
  const deps = { client: api.client, getAgentObjects: objects.getAgentObjects, sleep: () => Promise.resolve() };
  return { api, deps, calls: objects.calls };
}

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function stdout(data: Buffer): string {
  const seen: string[] = [];
  new FrameDemuxer((name, chunk) => seen.push(`${name}:${chunk.toString()}`), { perFrame: true }).push(data);
  return seen.join('');
}

describe('podLogQuery', () => {
  it("asks for --since as the API server's sinceTime to the second, --tail as tailLines", () => {
    expect(podLogQuery({ follow: true, timestamps: true, since: 1_767_225_600.75, tail: 20 })).toEqual({
      follow: true,
      timestamps: true,
      tailLines: 20,
      sinceTime: '2026-01-01T00:00:00Z',
    });
    expect(podLogQuery({ follow: false, timestamps: false })).toEqual({ follow: false, timestamps: false });
    expect(podLogQuery({ follow: false, timestamps: false, since: 0, tail: 0 })).toEqual({
      follow: false,
      timestamps: false,
      tailLines: 0,
      sinceTime: '1970-01-01T00:00:00Z',
    });
  });
});

describe('streamAgentLogs', () => {
  it("reads the agent Pod's log: framed as stdout without a TTY, without the kubelet's closing error", async () => {
    const record = agentRecord(false);
    const { api, deps } = logs([{ record, pod: agentPod('agentctl-a-0', 'p1', running) }]);
    api.setPodLogs('agentctl-a-0', ['one\n', 'two\n', 'rpc error: code = NotFound desc = container gone']);
    const stream = await streamAgentLogs(deps, 'agentctl-a', { follow: false, timestamps: false, tail: 2 });
    expect(stdout(await read(stream))).toBe('stdout:one\nstdout:two\n');
    expect(api.logRequests).toEqual([
      {
        namespace: 'agents',
        pod: 'agentctl-a-0',
        container: 'agent',
        options: { follow: false, timestamps: false, tailLines: 2 },
        aborted: false,
      },
    ]);
  });

  it('passes the log through as it is with a TTY', async () => {
    const { api, deps } = logs([{ record: agentRecord(true), pod: agentPod('agentctl-a-0', 'p1', running) }]);
    api.setPodLogs('agentctl-a-0', ['$ prompt']);
    const stream = await streamAgentLogs(deps, 'agentctl-a', { follow: false, timestamps: false });
    expect((await read(stream)).toString()).toBe('$ prompt');
  });

  it('refuses --until, says an unknown agent is not found (404), and is empty for an agent without a Pod', async () => {
    const { api, deps } = logs([{ record: agentRecord(false) }]);
    await expect(
      streamAgentLogs(deps, 'agentctl-a', { follow: false, timestamps: false, until: 1_767_225_600 }),
    ).rejects.toMatchObject({ code: 'KUBERNETES_UNSUPPORTED' });
    expect((await read(await streamAgentLogs(deps, 'agentctl-a', { follow: true, timestamps: false }))).length).toBe(0);
    await expect(
      streamAgentLogs(logs([undefined]).deps, 'agentctl-b', { follow: false, timestamps: false }),
    ).rejects.toMatchObject({ code: 'CONTAINER_NOT_FOUND', statusCode: 404 });
    expect(api.logRequests).toEqual([]);
  });

  it("with --follow goes on with the agent's next Pod, read from its start, until a Pod ends by itself", async () => {
    const record = agentRecord(false);
    const { api, deps } = logs([
      { record, pod: agentPod('agentctl-a-0', 'p1', running) },
      // Stopped (the Pod is going), then started again: a new Pod, first waiting, then running.
      {
        record,
        pod: {
          ...agentPod('agentctl-a-0', 'p1', running),
          metadata: { name: 'agentctl-a-0', uid: 'p1', deletionTimestamp: new Date() },
        },
      },
      { record, pod: agentPod('agentctl-a-0', 'p2', { state: { waiting: { reason: 'ContainerCreating' } } }) },
      { record, pod: agentPod('agentctl-a-0', 'p2', running) },
      // The second Pod's command exits: the log ends with it.
      { record, pod: agentPod('agentctl-a-0', 'p2', exited) },
    ]);
    // The StatefulSet's Pods have one name: the first log request reads p1's log, the second p2's.
    api.setPodLogs('agentctl-a-0', ['first\n'], ['second\n']);
    const stream = await streamAgentLogs(deps, 'agentctl-a', {
      follow: true,
      timestamps: false,
      since: 1_767_225_600,
      tail: 5,
    });
    expect(stdout(await read(stream))).toBe('stdout:first\nstdout:second\n');
    expect(api.logRequests.map((request) => request.options)).toEqual([
      { follow: true, timestamps: false, tailLines: 5, sinceTime: '2026-01-01T00:00:00Z' },
      { follow: true, timestamps: false },
    ]);
  });

  it('with --follow stops reading when aborted', async () => {
    const { api, deps } = logs([{ record: agentRecord(true), pod: agentPod('agentctl-a-0', 'p1', running) }]);
    api.setPodLogs('agentctl-a-0', ['working\n']);
    api.openLogs.add('agentctl-a-0');
    const abort = new AbortController();
    const stream = await streamAgentLogs(deps, 'agentctl-a', { follow: true, timestamps: false }, abort.signal);
    const text = read(stream);
    await new Promise((resolve) => setImmediate(resolve));
    abort.abort();
    expect((await text).toString()).toBe('working\n');
    expect(api.logRequests.map((request) => request.aborted)).toEqual([true]);
  });
});
