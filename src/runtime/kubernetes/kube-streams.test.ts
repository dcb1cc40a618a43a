import type { Duplex } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { FrameDemuxer } from '../../io/demux.js';
import {
  agentObjectsInTurn,
  agentPod,
  agentRecord,
  createFakeKubeApi,
  type OpenedStream,
} from '../../../test/helpers/fake-kube-streams.js';
import type { AgentObjects } from './agent-objects.js';
import { createKubeStreamOperations } from './kube-streams.js';

const running = { state: { running: { startedAt: new Date('2026-01-01T00:00:00Z') } } };
const waiting = { state: { waiting: { reason: 'ContainerCreating' } } };
const exited = (exitCode: number) => ({ state: { terminated: { exitCode } } });

function operations(answers: Array<AgentObjects | undefined>, settleExit?: (objects: AgentObjects) => void) {
  const api = createFakeKubeApi();
  const objects = agentObjectsInTurn(answers);
  const settled: AgentObjects[] = [];
  const streams = createKubeStreamOperations({
    client: api.client,
    getAgentObjects: objects.getAgentObjects,
    listAgentObjects: () => Promise.reject(new Error('listAgentObjects is not used by the streams')),
    settleExit: async (ended) => {
      settled.push(ended);
      settleExit?.(ended);
      return ended;
    },
    sleep: () => Promise.resolve(),
  });
  return { api, streams, settled, calls: objects.calls };
}

function query(stream: OpenedStream) {
  const [path, search] = stream.path.split('?');
  return { path, params: new URLSearchParams(search) };
}

function demux(chunks: Buffer[]): string[] {
  const seen: string[] = [];
  new FrameDemuxer((name, data) => seen.push(`${name}:${data.toString()}`)).push(Buffer.concat(chunks));
  return seen;
}

const collect = (stream: Duplex) => {
  const received: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => received.push(chunk));
  return received;
};

describe('exec on Kubernetes', () => {
  it("opens the Pod's exec stream, frames its output as an engine's, and reads the exit code from its status", async () => {
    const { api, streams } = operations([{ record: agentRecord(false), pod: agentPod('agentctl-a-0', 'p1', running) }]);
    const execId = await streams.createExec('agentctl-a', {
      command: ['ls', '-l'],
      env: ['A=1'],
      tty: false,
      stdin: false,
    });
    const stream = await streams.startExec(execId, { tty: false, stdin: false });
    const received = collect(stream);
    const [opened] = api.streams;
    const { path, params } = query(opened!);
    expect(path).toBe('/api/v1/namespaces/agents/pods/agentctl-a-0/exec');
    expect(params.getAll('command')).toEqual(['env', 'A=1', 'ls', '-l']);
    expect(params.get('stderr')).toBe('true');

    opened!.receive(1, 'out\n');
    opened!.receive(2, 'err\n');
    expect(await streams.inspectExec(execId)).toEqual({ running: true, exitCode: undefined });
    opened!.receive(
      3,
      JSON.stringify({ status: 'Failure', details: { causes: [{ reason: 'ExitCode', message: '3' }] } }),
    );
    opened!.socket.close();
    await new Promise((resolve) => stream.on('end', resolve));
    expect(demux(received)).toEqual(['stdout:out\n', 'stderr:err\n']);
    expect(await streams.inspectExec(execId)).toEqual({ running: false, exitCode: 3 });
  });

  it('resizes its terminal on channel 4 of that session', async () => {
    const { api, streams } = operations([{ record: agentRecord(true), pod: agentPod('agentctl-a-0', 'p1', running) }]);
    const execId = await streams.createExec('agentctl-a', { command: ['sh'], tty: true, stdin: true });
    await streams.startExec(execId, { tty: true, stdin: true });
    await streams.resizeExec(execId, { columns: 120, rows: 40 });
    expect(query(api.streams[0]!).params.get('stderr')).toBe('false');
    expect(api.streams[0]!.socket.frames()).toEqual([[4, '{"Width":120,"Height":40}']]);
  });

  it('refuses --user, an agent that does not run or does not exist, and an unknown session', async () => {
    const stopped = operations([{ record: agentRecord(false), pod: agentPod('agentctl-a-0', 'p1', exited(0)) }]);
    await expect(
      stopped.streams.createExec('agentctl-a', { command: ['id'], tty: false, stdin: false, user: 'root' }),
    ).rejects.toMatchObject({ code: 'KUBERNETES_UNSUPPORTED' });
    await expect(
      stopped.streams.createExec('agentctl-a', { command: ['id'], tty: false, stdin: false }),
    ).rejects.toMatchObject({ code: 'AGENT_NOT_RUNNING', hint: 'Start it with `agentctl start a`' });
    await expect(
      operations([undefined]).streams.createExec('agentctl-a', { command: ['id'], tty: false, stdin: false }),
    ).rejects.toMatchObject({ code: 'CONTAINER_NOT_FOUND' });
    await expect(stopped.streams.startExec('nope', { tty: false, stdin: false })).rejects.toMatchObject({
      code: 'EXEC_NOT_FOUND',
    });
    expect(await stopped.streams.inspectExec('nope')).toEqual({ running: false, exitCode: undefined });
    expect(stopped.api.streams).toEqual([]);
  });
});

describe('attach on Kubernetes', () => {
  it("attaches to the running Pod with the record's TTY; resize reaches that session until it closes", async () => {
    const { api, streams } = operations([{ record: agentRecord(true), pod: agentPod('agentctl-a-0', 'p1', running) }]);
    const stream = await streams.attachContainer('agentctl-a', { stdin: true });
    const { path, params } = query(api.streams[0]!);
    expect(path).toBe('/api/v1/namespaces/agents/pods/agentctl-a-0/attach');
    expect(Object.fromEntries(params)).toEqual({
      container: 'agent',
      stdin: 'true',
      stdout: 'true',
      stderr: 'true',
      tty: 'true',
    });
    await streams.resizeContainer('agentctl-a', { columns: 80, rows: 24 });
    stream.destroy();
    await new Promise((resolve) => stream.on('close', resolve));
    await streams.resizeContainer('agentctl-a', { columns: 100, rows: 50 });
    expect(api.streams[0]!.socket.frames()).toEqual([[4, '{"Width":80,"Height":24}']]);
  });

  it('with stdin before the start: waits for the Pod to run, then sends what was typed meanwhile', async () => {
    const record = agentRecord(true);
    const { api, streams } = operations([
      { record },
      { record, pod: agentPod('agentctl-a-0', 'p1', waiting) },
      { record, pod: agentPod('agentctl-a-0', 'p1', running) },
    ]);
    const stream = await streams.attachContainer('agentctl-a', { stdin: true });
    stream.write(Buffer.from('hi'));
    await vi.waitFor(() => expect(api.streams).toHaveLength(1));
    expect(query(api.streams[0]!).path).toBe('/api/v1/namespaces/agents/pods/agentctl-a-0/attach');
    expect(api.streams[0]!.socket.frames()).toEqual([[0, 'hi']]);
  });

  it('with stdin before the start: an agent that exits first ends the stream with AGENT_NOT_RUNNING', async () => {
    const record = agentRecord(true);
    const { api, streams } = operations([{ record }, { record, pod: agentPod('agentctl-a-0', 'p1', exited(1)) }]);
    const stream = await streams.attachContainer('agentctl-a', { stdin: true });
    const error = await new Promise((resolve) => stream.on('error', resolve));
    expect(error).toMatchObject({ code: 'AGENT_NOT_RUNNING', hint: 'See what it printed with `agentctl logs a`' });
    expect(api.streams).toEqual([]);
  });

  it("without stdin before the start: the next Pod's log from its first line to its end", async () => {
    const record = agentRecord(false);
    const { api, streams } = operations([{ record }, { record, pod: agentPod('agentctl-a-0', 'p1', running) }]);
    api.setPodLogs('agentctl-a-0', ['hello\n']);
    const stream = await streams.attachContainer('agentctl-a', { stdin: false });
    const received = collect(stream);
    await new Promise((resolve) => stream.on('end', resolve));
    expect(demux(received)).toEqual(['stdout:hello\n']);
    expect(api.logRequests.map((request) => request.options)).toEqual([{ follow: true, timestamps: false }]);
    expect(api.streams).toEqual([]);
  });
});

describe('waitContainerExit on Kubernetes', () => {
  it("gives the exit code of the Pod's container, once it ends, and settles the agent", async () => {
    const record = agentRecord(false);
    const ended = { record, pod: agentPod('agentctl-a-0', 'p1', exited(3)) };
    const { streams, settled } = operations([{ record, pod: agentPod('agentctl-a-0', 'p1', running) }, ended]);
    expect(await streams.waitContainerExit('agentctl-a')).toBe(3);
    expect(settled).toEqual([ended]);
  });

  it('counts an end the kubelet restarted after (a StatefulSet Pod runs again)', async () => {
    const record = agentRecord(false);
    const restarted = agentPod('agentctl-a-0', 'p1', {
      ...running,
      restartCount: 1,
      lastState: { terminated: { exitCode: 7 } },
    });
    expect(await operations([{ record, pod: restarted }]).streams.waitContainerExit('agentctl-a')).toBe(7);
  });

  it('after its Pod went: the exit code agentctl recorded, 137 when none was', async () => {
    const pod = agentPod('agentctl-a-0', 'p1', running);
    const recorded = agentRecord(false, { 'agentctl.io/state': 'exited', 'agentctl.io/exit-code': '5' });
    expect(
      await operations([{ record: agentRecord(false), pod }, { record: recorded }]).streams.waitContainerExit('a'),
    ).toBe(5);
    const unrecorded = agentRecord(false, { 'agentctl.io/state': 'exited' });
    expect(
      await operations([{ record: agentRecord(false), pod }, { record: unrecorded }]).streams.waitContainerExit('a'),
    ).toBe(137);
  });

  it('waits for the next Pod when none ran yet, not for the exit recorded before', async () => {
    const before = agentRecord(false, { 'agentctl.io/state': 'exited', 'agentctl.io/exit-code': '5' });
    const { streams, calls } = operations([
      { record: before },
      { record: before },
      { record: before, pod: agentPod('agentctl-a-0', 'p2', exited(0)) },
    ]);
    expect(await streams.waitContainerExit('agentctl-a')).toBe(0);
    expect(calls).toHaveLength(3);
  });

  it('ends with the abort reason, and with CONTAINER_NOT_FOUND when the agent is removed', async () => {
    const pod = agentPod('agentctl-a-0', 'p1', running);
    const abort = new AbortController();
    abort.abort(new Error('cancelled'));
    await expect(
      operations([{ record: agentRecord(false), pod }]).streams.waitContainerExit('agentctl-a', abort.signal),
    ).rejects.toThrow('cancelled');
    await expect(
      operations([{ record: agentRecord(false), pod }, undefined]).streams.waitContainerExit('agentctl-a'),
    ).rejects.toMatchObject({ code: 'CONTAINER_NOT_FOUND', message: 'Agent agentctl-a was removed' });
  });
});
