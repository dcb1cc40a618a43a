import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
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
import { splitFrames } from './gateway-files.js';
import { attachQuery, execQuery } from './stream-requests.js';
import { outputFromStart, streamAgentLogs } from './kube-logs.js';
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
export function createKubeStreamOperations(deps: KubeStreamDeps): StreamOperations & {
  /**
   * Runs a command in one container of a Pod (an init container: upload-workspace.ts) with `input`
   * on its stdin; its exit code and the end of its stderr.
   */
  execInContainer(pod: string, container: string, command: string[], input: Buffer): Promise<ContainerExecResult>;
} {
  const { client } = deps;
  const { namespace } = client;
  const sleep = deps.sleep ?? defaultSleep;
  const attaches = new Map<string, ChannelStream>();
  const logs = { client, getAgentObjects: (name: string) => deps.getAgentObjects(name), sleep };
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
        return outputFromStart(logs, id, tty);
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
      return streamAgentLogs(logs, id, options, signal);
    },

    async execInContainer(pod: string, container: string, command: string[], input: Buffer) {
      const query = execQuery({ command }, { tty: false, stdin: true }, container);
      const stream = await connect(
        `/api/v1/namespaces/${namespace}/pods/${pod}/exec?${query}`,
        new ChannelStream(false),
      );
      // The command prints a line or two at most (its errors).
      const output: Buffer[] = [];
      const ended = new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Buffer) => output.length < 100 && output.push(chunk));
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
      // In pieces, as the socket takes them: the command reads exactly input.length bytes (the
      // v4 protocol cannot tell it that stdin ended).
      for (let at = 0; at < input.length; at += UPLOAD_CHUNK) {
        if (!stream.write(input.subarray(at, at + UPLOAD_CHUNK)))
          await new Promise<void>((resolve) => stream.once('drain', resolve));
      }
      stream.end();
      await ended;
      const { stderr } = splitFrames(Buffer.concat(output));
      return { exitCode: stream.exitCode(), stderr: stderr.toString('utf8').slice(-500) };
    },
  };
}

export interface ContainerExecResult {
  exitCode: number | undefined;
  stderr: string;
}

const UPLOAD_CHUNK = 1024 * 1024;
