import {
  ContinuedLineTimestamps,
  FrameDemuxer,
  LineSplitter,
  TerminalLineEndings,
  type OutputStream,
} from '../../io/demux.js';
import type { StreamOperations } from '../../runtime/stream-operations.js';
import { EngineError, UsageError } from '../../shared/errors.js';
import { findAgent, lookupAgentContainers, type AgentContainerInfo, type LookupRuntime } from './agent-lookup.js';
import { parseLogWindow, parseTail } from './log-time.js';

export interface AgentLogsOptions {
  names: string[];
  all: boolean;
  follow: boolean;
  since?: string;
  until?: string;
  tail?: string;
  timestamps: boolean;
  /**
   * `raw`: the container's bytes as they come (one agent, nothing added): the fast path. A TTY's
   * `\r\n` line endings become `\n`; output without a TTY stays exact.
   * `lines`: whole lines with the agent's name (prefixes, NDJSON).
   */
  mode: 'raw' | 'lines';
}

/**
 * Where a line came from. An agent with a TTY (what `start` makes by default) has one stream: its
 * terminal merges stdout and stderr before the engine sees them, so its lines are `tty`.
 */
export type LogStream = OutputStream | 'tty';

export interface LogLine {
  agent: string;
  stream: LogStream;
  line: string;
  /** The engine's timestamp, split off the line when --timestamps is given in lines mode. */
  time?: string;
}

/** Where log output goes. A returned promise holds the stream back (backpressure). */
export interface LogSink {
  /** Raw mode: bytes of the agent's stdout or stderr (a TTY's output comes as stdout). */
  chunk(stream: OutputStream, data: Buffer): void | Promise<void>;
  lines(batch: LogLine[]): void | Promise<void>;
  /** After the last output: prints what it held back (the start of a possible secret). */
  end?(): void | Promise<void>;
}

export interface AgentLogsDeps {
  runtime: LookupRuntime & Pick<StreamOperations, 'streamLogs'>;
  signal: AbortSignal;
  now?: () => Date;
}

/** Resolves which agents' logs to show (by name, or every agent with --all). */
export async function resolveLogAgents(
  deps: AgentLogsDeps,
  options: Pick<AgentLogsOptions, 'names' | 'all'>,
): Promise<AgentContainerInfo[]> {
  if (options.all && options.names.length > 0) {
    throw new UsageError('NAMES_AND_ALL', 'Give agent names or --all, not both', {
      hint: 'Run `agentctl logs --all` or `agentctl logs NAME…`',
    });
  }
  if (options.all) return lookupAgentContainers(deps.runtime, { all: true });
  if (options.names.length === 0) {
    throw new UsageError('NO_AGENT_GIVEN', 'Name at least one agent, or give --all', {
      hint: 'Run `agentctl ls` to see your agents, then `agentctl logs NAME`',
    });
  }
  const unique = [...new Set(options.names)];
  return Promise.all(unique.map((name) => findAgent(deps, name)));
}

/**
 * Streams the logs of `agents` into `sink`, stdout and stderr kept apart (one `tty` stream for an
 * agent with a TTY), several agents interleaved as their lines arrive. Never buffers a whole log. With follow it ends when every
 * container has stopped, or quietly when `deps.signal` is aborted (Ctrl-C).
 */
export async function streamAgentLogs(
  deps: AgentLogsDeps,
  agents: AgentContainerInfo[],
  options: AgentLogsOptions,
  sink: LogSink,
): Promise<void> {
  const now = (deps.now ?? (() => new Date()))();
  const { since, until } = parseLogWindow(options, now);
  const tail = parseTail(options.tail);
  // One signal per agent, all aborted by ours: each request listens on its own, so many agents do
  // not pile listeners onto one signal (Node warns past 10: MaxListenersExceededWarning).
  const controllers = agents.map(() => new AbortController());
  const abortAll = () => controllers.forEach((controller) => controller.abort(deps.signal.reason));
  if (deps.signal.aborted) abortAll();
  else deps.signal.addEventListener('abort', abortAll, { once: true });
  try {
    await Promise.all(
      agents.map((agent, index) =>
        streamOne(
          { ...deps, signal: controllers[index]!.signal },
          agent,
          { follow: options.follow, since, until, tail, timestamps: options.timestamps },
          options,
          sink,
        ),
      ),
    );
  } finally {
    deps.signal.removeEventListener('abort', abortAll);
  }
}

async function streamOne(
  deps: AgentLogsDeps,
  agent: AgentContainerInfo,
  request: Parameters<StreamOperations['streamLogs']>[1],
  options: AgentLogsOptions,
  sink: LogSink,
): Promise<void> {
  const splitTime = options.mode === 'lines' && options.timestamps;
  const stripCarriageReturn = agent.tty;
  const splitters = {
    stdout: new LineSplitter({ stripCarriageReturn }),
    stderr: new LineSplitter({ stripCarriageReturn }),
  };
  const lineEndings = agent.tty ? new TerminalLineEndings() : undefined;
  const toLines = (from: OutputStream, texts: string[]): LogLine[] =>
    texts.map((text) => {
      const stream: LogStream = agent.tty ? 'tty' : from;
      if (!splitTime) return { agent: agent.agent, stream, line: text };
      const space = text.indexOf(' ');
      return space < 0
        ? { agent: agent.agent, stream, line: '', time: text }
        : { agent: agent.agent, stream, line: text.slice(space + 1), time: text.slice(0, space) };
    });

  // Frames of one read are collected, then handed to the sink with backpressure.
  let pending: Array<[OutputStream, Buffer]> = [];
  const collect = (stream: OutputStream, data: Buffer) => void pending.push([stream, data]);
  // With timestamps each frame is one log entry, and a line's later pieces lose their timestamp.
  const continued = options.timestamps
    ? { stdout: new ContinuedLineTimestamps(), stderr: new ContinuedLineTimestamps() }
    : undefined;
  const demuxer = agent.tty
    ? undefined
    : continued
      ? new FrameDemuxer((stream, data) => collect(stream, continued[stream].push(data)), { perFrame: true })
      : new FrameDemuxer(collect);
  const deliver = async () => {
    const batch = pending;
    pending = [];
    for (const [stream, data] of batch) {
      if (options.mode === 'raw') {
        const bytes = lineEndings ? lineEndings.push(data) : data;
        if (bytes.length > 0) await sink.chunk(stream, bytes);
      } else {
        const lines = splitters[stream].push(data);
        if (lines.length > 0) await sink.lines(toLines(stream, lines));
      }
    }
  };

  let source: AsyncIterable<Buffer>;
  try {
    source = await deps.runtime.streamLogs(agent.id, request, deps.signal);
  } catch (error) {
    if (deps.signal.aborted) return;
    // With --all, an agent removed since the listing is simply no longer there.
    if (options.all && (error as { statusCode?: number }).statusCode === 404) return;
    throw logsFailed(agent, error);
  }
  try {
    for await (const chunk of source) {
      if (demuxer) demuxer.push(chunk);
      else collect('stdout', chunk);
      await deliver();
    }
  } catch (error) {
    if (deps.signal.aborted) return;
    throw logsFailed(agent, error);
  }
  const rest = lineEndings?.end();
  if (options.mode === 'raw' && rest && rest.length > 0) await sink.chunk('stdout', rest);
  if (options.mode === 'lines') {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = splitters[stream].end();
      if (rest !== undefined) await sink.lines(toLines(stream, [rest]));
    }
  }
}

function logsFailed(agent: AgentContainerInfo, error: unknown): EngineError {
  const message = error instanceof Error ? error.message : String(error);
  return new EngineError('LOGS_FAILED', `Could not read the logs of agent "${agent.agent}": ${message}`, {
    hint: `Check that the agent still exists with \`agentctl ls --all\`, then run \`agentctl logs ${agent.agent}\` again`,
    cause: error,
  });
}
