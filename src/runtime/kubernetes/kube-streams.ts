import { randomUUID } from 'node:crypto';
import { Duplex, Readable } from 'node:stream';
import { EngineError, NotFoundError, UsageError } from '../../shared/errors.js';
import { CONTAINER_PREFIX } from '../../shared/labels.js';
import {
  type AttachOptions,
  type ExecOptions,
  type ExecState,
  type LogOptions,
  type StreamOperations,
  type TerminalSize,
} from '../stream-operations.js';
import { ChannelStream, type WebSocketLike } from './channel-stream.js';
import { attachQuery, execQuery, stdoutFrames } from './stream-requests.js';
import { createKubeletErrorFilter } from './kubelet-log-filter.js';
import { kubeError, type KubeClient } from './kube-client.js';
import {
  agentContainerStatus,
  agentExit,
  agentNotFound,
  defaultSleep,
  toDetails,
  type AgentObjects,
} from './agent-objects.js';
import { STATE_ANNOTATION } from './agent-record.js';
import { AGENT_CONTAINER_NAME } from './pod-spec.js';
import type { LabelFilter } from '../container-operations.js';

export interface KubeStreamDeps {
  client: KubeClient;
  getAgentObjects(name: string): Promise<AgentObjects | undefined>;
  listAgentObjects(labels: LabelFilter): Promise<AgentObjects[]>;
  /** Stops an agent under a StatefulSet whose command ended (the kubelet would run it again). */
  settleExit?(objects: AgentObjects): Promise<AgentObjects>;
  sleep?: (ms: number) => Promise<void>;
}

/** attach, exec and logs through the API server (WebSocket streams and the log endpoint). */
export function createKubeStreamOperations(deps: KubeStreamDeps): StreamOperations {
  const { client } = deps;
  const { namespace } = client;
  const sleep = deps.sleep ?? defaultSleep;
  const attaches = new Map<string, ChannelStream>();
  const execs = new Map<string, { pod: string; options: ExecOptions; stream?: ChannelStream }>();

  async function connect(path: string, stream: ChannelStream): Promise<ChannelStream> {
    const { config, lib } = await client.api();
    const handler = new lib.WebSocketHandler(config);
    try {
      const socket = await handler.connect(path, null, (channel: number, data: Buffer) => {
        stream.receive(channel, data);
        return true;
      });
      stream.attachSocket(socket as unknown as WebSocketLike);
    } catch (error) {
      throw kubeError('open a stream to the agent', error, client);
    }
    return stream;
  }

  async function requirePod(id: string): Promise<string> {
    const objects = await deps.getAgentObjects(id);
    if (!objects) throw agentNotFound(id, namespace);
    if (!objects.pod || !agentContainerStatus(objects.pod)?.state?.running) {
      throw new EngineError('AGENT_NOT_RUNNING', `Agent ${id} is not running`, {
        hint: `Start it with \`agentctl start ${id.replace(CONTAINER_PREFIX, '')}\``,
      });
    }
    return objects.pod.metadata!.name!;
  }

  /** The logs of one Pod as a stream (stdout only: the API server merges the two). */
  async function podLogs(
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
      .log(namespace, pod, AGENT_CONTAINER_NAME, out, {
        follow: options.follow,
        timestamps: options.timestamps,
        ...(options.tail !== undefined ? { tailLines: options.tail } : {}),
        ...(options.sinceTime
          ? { sinceTime: options.sinceTime }
          : options.since !== undefined
            ? { sinceTime: new Date(options.since * 1000).toISOString().replace(/\.\d+Z$/, 'Z') }
            : {}),
      })
      .catch((error: unknown) => {
        throw kubeError(`read the logs of ${pod}`, error, client);
      });
    signal?.addEventListener('abort', () => {
      controller.abort();
      out.end();
    });
    return framed;
  }

  /** Waits until the agent's Pod runs; its name, or undefined when the stream was closed first. */
  async function waitRunning(id: string, stream: Duplex): Promise<string | undefined> {
    for (;;) {
      if (stream.destroyed) return undefined;
      const objects = await deps.getAgentObjects(id);
      if (!objects) throw agentNotFound(id, namespace, true);
      const pod = objects.pod && !objects.pod.metadata?.deletionTimestamp ? objects.pod : undefined;
      const state = agentContainerStatus(pod)?.state;
      if (state?.running) return pod!.metadata!.name!;
      if (state?.terminated)
        throw new EngineError('AGENT_NOT_RUNNING', `Agent ${id} exited before the session opened`, {
          hint: `See what it printed with \`agentctl logs ${id.replace(CONTAINER_PREFIX, '')}\``,
        });
      await sleep(200);
    }
  }

  /** The output of the agent's next Pod, from its start to its end (read-only). */
  function outputFromStart(id: string, tty: boolean): Duplex {
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
        if (!objects) throw agentNotFound(id, namespace, true);
        const status =
          objects.pod && !objects.pod.metadata?.deletionTimestamp ? agentContainerStatus(objects.pod) : undefined;
        if (status?.state?.running || status?.state?.terminated) {
          const logs = await podLogs(
            objects.pod!.metadata!.name!,
            { follow: true, timestamps: false },
            tty,
            abort.signal,
          );
          for await (const chunk of logs) stream.push(chunk);
          stream.push(null);
          return;
        }
        await sleep(200);
      }
    })().catch((error: unknown) => stream.destroy(error as Error));
    return stream;
  }

  return {
    async attachContainer(id: string, options: AttachOptions) {
      const objects = await deps.getAgentObjects(id);
      if (!objects) throw agentNotFound(id, namespace);
      const tty = toDetails(objects).tty;
      const running =
        objects.pod && !objects.pod.metadata?.deletionTimestamp && agentContainerStatus(objects.pod)?.state?.running;
      if (!running && !options.stdin) {
        // Attached before the start (`agentctl run`): the API server cannot attach to a Pod that
        // does not exist yet, and attaching once it runs could miss its first output. The agent's
        // log stream, from its first line to its exit, is what it printed.
        return outputFromStart(id, tty);
      }
      const stream = new ChannelStream(tty, options.detachKeys);
      attaches.set(id, stream);
      stream.on('close', () => attaches.delete(id));
      const open = async () => {
        const pod = running ? objects.pod!.metadata!.name! : await waitRunning(id, stream);
        if (pod === undefined) return;
        await connect(`/api/v1/namespaces/${namespace}/pods/${pod}/attach?${attachQuery(options.stdin, tty)}`, stream);
      };
      if (running) await open();
      else {
        // Attached before the start (`agentctl start` in the terminal): the session opens once the
        // Pod runs; what is typed meanwhile is queued.
        open().catch((error: unknown) => stream.destroy(error as Error));
      }
      return stream;
    },

    async resizeContainer(id: string, size: TerminalSize) {
      attaches.get(id)?.resize(size);
    },

    async waitContainerExit(id: string, signal?: AbortSignal) {
      // The next exit: of the running Pod, or of the next Pod when none runs yet (a start follows).
      let seen: string | undefined;
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        const objects = await deps.getAgentObjects(id);
        if (!objects) throw agentNotFound(id, namespace, true);
        const { pod, record } = objects;
        if (pod) {
          seen = pod.metadata?.uid;
          const ended = agentExit(pod);
          if (ended) {
            await deps.settleExit?.(objects);
            return ended.exitCode;
          }
        } else if (seen && record.metadata?.annotations?.[STATE_ANNOTATION] === 'exited') {
          // Stopped: agentctl recorded the exit when it deleted the Pod.
          return toDetails(objects).exitCode ?? 137;
        }
        await sleep(300);
      }
    },

    async createExec(id: string, options: ExecOptions) {
      if (options.user !== undefined) {
        throw new UsageError(
          'KUBERNETES_UNSUPPORTED',
          "--user is not possible on Kubernetes (exec runs as the Pod's user)",
          { hint: 'Drop --user' },
        );
      }
      const pod = await requirePod(id);
      const execId = randomUUID();
      execs.set(execId, { pod, options });
      return execId;
    },

    async startExec(execId: string, options: { tty: boolean; stdin: boolean }) {
      const exec = execs.get(execId);
      if (!exec)
        throw new NotFoundError('EXEC_NOT_FOUND', `No exec session ${execId}`, { hint: 'Run the command again' });
      const stream = await connect(
        `/api/v1/namespaces/${namespace}/pods/${exec.pod}/exec?${execQuery(exec.options, options)}`,
        new ChannelStream(options.tty),
      );
      exec.stream = stream;
      return stream;
    },

    async resizeExec(execId: string, size: TerminalSize) {
      execs.get(execId)?.stream?.resize(size);
    },

    async inspectExec(execId: string): Promise<ExecState> {
      const stream = execs.get(execId)?.stream;
      if (!stream) return { running: false, exitCode: undefined };
      return { running: !stream.ended, exitCode: stream.exitCode() };
    },

    async streamLogs(id: string, options: LogOptions, signal?: AbortSignal) {
      if (options.until !== undefined) {
        throw new UsageError(
          'KUBERNETES_UNSUPPORTED',
          '--until is not possible on Kubernetes (the API server has no end time for logs)',
          { hint: 'Use --since and --tail' },
        );
      }
      const first = await deps.getAgentObjects(id);
      if (!first) throw Object.assign(agentNotFound(id, namespace), { statusCode: 404 });
      const tty = toDetails(first).tty;
      if (!first.pod) return Readable.from([]);
      if (!options.follow) return podLogs(first.pod.metadata!.name!, options, tty, signal);
      // Follow the agent across restarts: each start makes a new Pod; the stream goes on with it.
      async function* follow(): AsyncGenerator<Buffer> {
        let pod = first!.pod!;
        let current = options;
        for (;;) {
          const uid = pod.metadata?.uid;
          const stream = await podLogs(pod.metadata!.name!, current, tty, signal);
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
    },
  };
}
