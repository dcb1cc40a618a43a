import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import type { V1ConfigMap, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { AgentObjects } from '../../src/runtime/kubernetes/agent-objects.js';
import { buildRecordConfigMap, type AgentRecord } from '../../src/runtime/kubernetes/agent-record.js';
import type { KubeClient } from '../../src/runtime/kubernetes/kube-client.js';
import { recordedSpec } from './kube-records.js';

/** A WebSocket of the API server's channel protocol: what was sent, and a close as the server's. */
export class FakeSocket extends EventEmitter {
  readyState = 1;
  protocol: string | undefined;
  sent: Buffer[] = [];
  send(data: Buffer, callback?: (error?: Error) => void) {
    this.sent.push(data);
    callback?.();
  }
  close() {
    this.readyState = 3;
    this.emit('close');
  }
  /** The frames sent as [channel, text]. */
  frames(): Array<[number, string]> {
    return this.sent.map((frame) => [frame[0]!, frame.subarray(1).toString()]);
  }
}

/** One stream opened through the fake WebSocketHandler: its path, socket and the server's side. */
export interface OpenedStream {
  path: string;
  socket: FakeSocket;
  /** Data from the API server on a channel. */
  receive(channel: number, data: string): void;
}

/** One request to the log endpoint. */
export interface LogRequest {
  namespace: string;
  pod: string;
  container: string;
  options: Record<string, unknown>;
  aborted: boolean;
}

/**
 * A KubeClient whose client-node parts are fakes: WebSocketHandler opens FakeSockets; Log writes
 * the chunks set for a Pod with `setPodLogs` (the next list each request, the last one again) and
 * ends, or holds the stream open for a Pod in `openLogs`. A log of a Pod with none set fails the test.
 */
export function createFakeKubeApi(namespace = 'agents') {
  const streams: OpenedStream[] = [];
  const logRequests: LogRequest[] = [];
  const podLogs = new Map<string, string[][]>();
  const setPodLogs = (pod: string, ...answers: string[][]) => podLogs.set(pod, answers);
  const openLogs = new Set<string>();

  class WebSocketHandler {
    connect(path: string, _text: unknown, binary: (channel: number, data: Buffer) => boolean) {
      const socket = new FakeSocket();
      streams.push({ path, socket, receive: (channel, data) => binary(channel, Buffer.from(data)) });
      return Promise.resolve(socket);
    }
  }
  class Log {
    log(ns: string, pod: string, container: string, out: Writable, options: Record<string, unknown>) {
      const answers = podLogs.get(pod);
      if (!answers) throw new Error(`unexpected log request for Pod ${pod}`);
      const chunks =
        answers[Math.min(logRequests.filter((request) => request.pod === pod).length, answers.length - 1)]!;
      const request: LogRequest = { namespace: ns, pod, container, options, aborted: false };
      logRequests.push(request);
      for (const chunk of chunks) out.write(Buffer.from(chunk));
      if (!openLogs.has(pod)) out.end();
      return Promise.resolve({ abort: () => (request.aborted = true) });
    }
  }
  const client = {
    namespace,
    context: 'test',
    server: 'https://cluster.example:6443',
    source: 'test',
    api: () => Promise.resolve({ config: {}, lib: { WebSocketHandler, Log } }),
  } as unknown as KubeClient;
  return { client, streams, logRequests, setPodLogs, openLogs };
}

/** An agent's record (ConfigMap) with a TTY or not, and the annotations given. */
export function agentRecord(terminal: boolean, annotations: Record<string, string> = {}): V1ConfigMap {
  const record: AgentRecord = {
    format: 2,
    spec: recordedSpec({
      terminal,
      limits: { cpus: 1, memoryBytes: 256 * 1024 ** 2, memorySwapBytes: 256 * 1024 ** 2, pids: 256 },
    }),
    files: [],
  };
  const configMap = buildRecordConfigMap('agentctl-a', record);
  configMap.metadata = {
    ...configMap.metadata,
    uid: '0123-4567',
    annotations: { ...configMap.metadata!.annotations, ...annotations },
  };
  return configMap;
}

/** A Pod of the agent whose container is in `status` (running, waiting, terminated…). */
export function agentPod(name: string, uid: string, status: Partial<V1ContainerStatus>): V1Pod {
  return {
    metadata: { name, uid },
    status: { containerStatuses: [{ name: 'agent', image: '', imageID: '', ready: true, restartCount: 0, ...status }] },
  };
}

/** getAgentObjects answering each call with the next of `answers`, then the last one again. */
export function agentObjectsInTurn(answers: Array<AgentObjects | undefined>) {
  const calls: string[] = [];
  let index = 0;
  const getAgentObjects = (name: string) => {
    calls.push(name);
    const answer = answers[Math.min(index, answers.length - 1)];
    index += 1;
    return Promise.resolve(answer);
  };
  return { getAgentObjects, calls };
}
