import { Duplex, Readable } from 'node:stream';
import { UsageError } from '../../shared/errors.js';
import type { LogOptions } from '../stream-operations.js';
import { stdoutFrames } from './stream-requests.js';
import { createKubeletErrorFilter } from './kubelet-log-filter.js';
import { kubeError, type KubeClient } from './kube-client.js';
import { agentContainerStatus, agentNotFound, toDetails, type AgentObjects } from './agent-objects.js';
import { AGENT_CONTAINER_NAME } from './pod-spec.js';

/** What the log operations read the cluster with. */
export interface KubeLogDeps {
  client: KubeClient;
  getAgentObjects(name: string): Promise<AgentObjects | undefined>;
  sleep: (ms: number) => Promise<void>;
}

/** The log endpoint's options for `logs`' window: --since as the API server's `sinceTime` (seconds, UTC). */
export function podLogQuery(options: LogOptions & { sinceTime?: string }) {
  return {
    follow: options.follow,
    timestamps: options.timestamps,
    ...(options.tail !== undefined ? { tailLines: options.tail } : {}),
    ...(options.sinceTime
      ? { sinceTime: options.sinceTime }
      : options.since !== undefined
        ? { sinceTime: new Date(options.since * 1000).toISOString().replace(/\.\d+Z$/, 'Z') }
        : {}),
  };
}

/** The logs of one Pod as a stream (stdout only: the API server merges the two). */
export async function readPodLogs(
  client: KubeClient,
  pod: string,
  options: LogOptions & { sinceTime?: string },
  tty: boolean,
  signal?: AbortSignal,
): Promise<Readable> {
  // The kubelet's error at the end of a followed log is not the agent's output (kubelet-log-filter.ts).
  const out = createKubeletErrorFilter();
  const framed = tty ? out : out.pipe(stdoutFrames());
  const { config, lib } = await client.api();
  const log = new lib.Log(config);
  const controller = await log
    .log(client.namespace, pod, AGENT_CONTAINER_NAME, out, podLogQuery(options))
    .catch((error: unknown) => {
      throw kubeError(`read the logs of ${pod}`, error, client);
    });
  signal?.addEventListener('abort', () => {
    controller.abort();
    out.end();
  });
  return framed;
}

/** The output of the agent's next Pod, from its start to its end (read-only). */
export function outputFromStart(deps: KubeLogDeps, id: string, tty: boolean): Duplex {
  const abort = new AbortController();
  const stream = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      callback();
    },
    destroy(error, callback) {
      abort.abort();
      callback(error);
    },
  });
  void (async () => {
    for (;;) {
      if (abort.signal.aborted) return;
      const objects = await deps.getAgentObjects(id);
      if (!objects) throw agentNotFound(id, deps.client.namespace, true);
      const status =
        objects.pod && !objects.pod.metadata?.deletionTimestamp ? agentContainerStatus(objects.pod) : undefined;
      if (status?.state?.running || status?.state?.terminated) {
        const logs = await readPodLogs(
          deps.client,
          objects.pod!.metadata!.name!,
          { follow: true, timestamps: false },
          tty,
          abort.signal,
        );
        for await (const chunk of logs) stream.push(chunk);
        stream.push(null);
        return;
      }
      await deps.sleep(200);
    }
  })().catch((error: unknown) => stream.destroy(error as Error));
  return stream;
}

/** `logs` of an agent: its Pod's, and with follow those of every Pod it has next (each start makes one). */
export async function streamAgentLogs(
  deps: KubeLogDeps,
  id: string,
  options: LogOptions,
  signal?: AbortSignal,
): Promise<Readable> {
  const { client, sleep } = deps;
  if (options.until !== undefined) {
    throw new UsageError(
      'KUBERNETES_UNSUPPORTED',
      '--until is not possible on Kubernetes (the API server has no end time for logs)',
      { hint: 'Use --since and --tail' },
    );
  }
  const first = await deps.getAgentObjects(id);
  if (!first) throw Object.assign(agentNotFound(id, client.namespace), { statusCode: 404 });
  const tty = toDetails(first).tty;
  if (!first.pod) return Readable.from([]);
  if (!options.follow) return readPodLogs(client, first.pod.metadata!.name!, options, tty, signal);
  // Follow the agent across restarts: each start makes a new Pod; the stream goes on with it.
  async function* follow(): AsyncGenerator<Buffer> {
    let pod = first!.pod!;
    let current = options;
    for (;;) {
      const uid = pod.metadata?.uid;
      const stream = await readPodLogs(client, pod.metadata!.name!, current, tty, signal);
      for await (const chunk of stream) yield chunk as Buffer;
      if (signal?.aborted) return;
      // The Pod ended: the agent exited by itself, or was stopped (and maybe started again).
      const deadline = Date.now() + 15_000;
      let next: AgentObjects | undefined;
      for (;;) {
        next = await deps.getAgentObjects(id);
        if (!next) return;
        if (next.pod && next.pod.metadata?.uid !== uid && !next.pod.metadata?.deletionTimestamp) break;
        const same = next.pod?.metadata?.uid === uid ? next.pod : undefined;
        const ended = same && agentContainerStatus(same)?.state?.terminated && !same.metadata?.deletionTimestamp;
        if (ended) return;
        if (Date.now() > deadline || signal?.aborted) return;
        await sleep(300);
      }
      // Wait until the new Pod's container has started, then read its logs from the start.
      while (
        next?.pod &&
        !agentContainerStatus(next.pod)?.state?.running &&
        !agentContainerStatus(next.pod)?.state?.terminated
      ) {
        if (signal?.aborted) return;
        await sleep(300);
        next = await deps.getAgentObjects(id);
        if (!next?.pod) return;
      }
      if (!next?.pod) return;
      pod = next.pod;
      current = { ...options, since: undefined, tail: undefined };
    }
  }
  return Readable.from(follow());
}
