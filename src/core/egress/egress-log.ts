import type { EgressEvent } from '../../egress/contract.js';
import { ContinuedLineTimestamps, FrameDemuxer, LineSplitter } from '../../io/demux.js';
import type { StreamOperations } from '../../runtime/stream-operations.js';
import { EngineError } from '../../shared/errors.js';
import type { LookupRuntime } from '../agents/agent-lookup.js';
import { engineTimeNanos, parseLogWindow, parseTail } from '../agents/log-time.js';
import { getAllowEntry, parseEgressEvent, printable } from './egress-event.js';
import type { NetworkLogOptions, NetworkLogTarget } from './network-log-targets.js';

/**
 * `agentctl logs --network`: the egress gateway's events (src/egress/contract.ts `EgressEvent`,
 * one JSON line each on the gateway container's stdout) of the named agents, read through the
 * engine's container logs of the gateway. The gateway is shared by every agent of an engine, so
 * its log is filtered by the events' `agent`.
 */

export interface NetworkLogDeps {
  runtime: LookupRuntime & Pick<StreamOperations, 'streamLogs'>;
  signal: AbortSignal;
  now?: () => Date;
  /** A gateway log line that is no event (skipped). */
  debug?(message: string): void;
}

/** Where events go; a returned promise holds the stream back (backpressure). */
export type EgressEventSink = (events: EgressEvent[]) => void | Promise<void>;

/**
 * Streams the events of the targets' agents into `sink`, several gateways interleaved as their
 * lines arrive. With follow it ends when every gateway has stopped, or quietly when `deps.signal`
 * is aborted (Ctrl-C). --since and --until are the engine's times of the gateway's log lines.
 */
export async function streamNetworkLog(
  deps: NetworkLogDeps,
  targets: NetworkLogTarget[],
  options: Pick<NetworkLogOptions, 'follow' | 'since' | 'until' | 'tail'>,
  sink: EgressEventSink,
): Promise<void> {
  const now = (deps.now ?? (() => new Date()))();
  const { since, until } = parseLogWindow(options, now);
  const tail = parseTail(options.tail);
  const request = { since, until, timestamps: false };
  await Promise.all(
    targets.map(async (target) => {
      const agents = new Set(target.agents);
      const wanted = (event: EgressEvent) => event.agent !== undefined && agents.has(event.agent);
      if (tail === undefined) {
        await readGatewayLog(deps, target, { ...request, follow: options.follow }, undefined, (events) =>
          sink(events.filter(wanted)),
        );
        return;
      }
      // The engine's tail counts the lines of every agent: the last N of each are kept here.
      const kept: EgressEvent[] = [];
      const counts = new Map<string, number>();
      const read = await readGatewayLog(
        deps,
        target,
        { ...request, follow: false, timestamps: true },
        undefined,
        (events) => {
          for (const event of events.filter(wanted)) {
            kept.push(event);
            counts.set(event.agent!, (counts.get(event.agent!) ?? 0) + 1);
          }
        },
      );
      const skip = new Map([...counts].map(([agent, count]) => [agent, Math.max(0, count - tail)]));
      const last = kept.filter((event) => {
        const left = skip.get(event.agent!)!;
        if (left === 0) return true;
        skip.set(event.agent!, left - 1);
        return false;
      });
      if (last.length > 0) await sink(last);
      // Then what came after the last line read. The gateway's log is bounded (resources.logSize):
      // the engine drops its oldest lines as it grows, so what came after is found by the engine's
      // time of that line, not by counting lines.
      if (options.follow && !deps.signal.aborted) {
        const after = read.last
          ? { ...request, follow: true, timestamps: true, since: resumeSince(read.last.nanos) }
          : { ...request, follow: true };
        await readGatewayLog(deps, target, after, read.last, (events) => sink(events.filter(wanted)));
      }
    }),
  );
}

/** The engine's time of the last line read, and the lines read that had that very time (each with its count). */
interface LastLine {
  nanos: bigint;
  lines: Map<string, number>;
}

/**
 * A `since` (Unix seconds, inclusive) at or before `nanos`: whole microseconds, one before, so
 * that the decimal the engine is sent cannot round past it.
 */
function resumeSince(nanos: bigint): number {
  return Number(nanos / 1000n - 1n) / 1e6;
}

/**
 * Reads one gateway's stdout (its diagnostics on stderr are not events). With timestamps asked
 * for, each line's engine time is split off, and the lines up to `after` (by time, then the lines
 * read at that very time, by their text: the oldest may be gone) were read before and are skipped.
 */
async function readGatewayLog(
  deps: NetworkLogDeps,
  target: NetworkLogTarget,
  request: Parameters<StreamOperations['streamLogs']>[1],
  after: LastLine | undefined,
  deliver: EgressEventSink,
): Promise<{ last?: LastLine }> {
  const splitter = new LineSplitter();
  let chunks: Buffer[] = [];
  // With timestamps each frame is one log entry, and a line's later pieces lose their timestamp.
  const continued = request.timestamps ? new ContinuedLineTimestamps() : undefined;
  const demuxer = new FrameDemuxer(
    (stream, data) => {
      if (stream === 'stdout') chunks.push(continued ? continued.push(data) : data);
    },
    { perFrame: continued !== undefined },
  );
  let last: LastLine | undefined;
  // What is still to skip of the lines read before at `after`'s time.
  const readBefore = new Map(after?.lines);
  const toEvents = (lines: string[]): EgressEvent[] => {
    const events: EgressEvent[] = [];
    for (const text of lines) {
      let line = text;
      if (request.timestamps) {
        const space = text.indexOf(' ');
        const nanos = space < 0 ? undefined : engineTimeNanos(text.slice(0, space));
        if (nanos !== undefined) {
          line = text.slice(space + 1);
          if (after && nanos < after.nanos) continue;
          const left = after?.nanos === nanos ? (readBefore.get(line) ?? 0) : 0;
          if (left > 0) {
            readBefore.set(line, left - 1);
            continue;
          }
          if (last?.nanos !== nanos) last = { nanos, lines: new Map() };
          last.lines.set(line, (last.lines.get(line) ?? 0) + 1);
        }
      }
      if (line.trim() === '') continue;
      const event = parseEgressEvent(line);
      if (event) events.push(event);
      else deps.debug?.(`skipped a line of the gateway's log that is no event: ${printable(line.slice(0, 200))}`);
    }
    return events;
  };
  let source: AsyncIterable<Buffer>;
  try {
    source = await deps.runtime.streamLogs(target.id, request, deps.signal);
  } catch (error) {
    if (deps.signal.aborted) return { last };
    throw networkLogFailed(target, error);
  }
  try {
    for await (const chunk of source) {
      demuxer.push(chunk);
      const batch = chunks;
      chunks = [];
      const events = toEvents(batch.flatMap((data) => splitter.push(data)));
      if (events.length > 0) await deliver(events);
    }
  } catch (error) {
    if (deps.signal.aborted) return { last };
    throw networkLogFailed(target, error);
  }
  const rest = splitter.end();
  if (rest !== undefined) {
    const events = toEvents([rest]);
    if (events.length > 0) await deliver(events);
  }
  return { last };
}

/** The distinct allow entries (sorted) of the targets' learned and denied events: the `--allow` to add. */
export async function collectAllowEntries(
  deps: NetworkLogDeps,
  targets: NetworkLogTarget[],
  options: Pick<NetworkLogOptions, 'since' | 'until' | 'tail'>,
): Promise<string[]> {
  const entries = new Set<string>();
  await streamNetworkLog(deps, targets, { ...options, follow: false }, (events) => {
    for (const event of events) {
      const entry = getAllowEntry(event);
      if (entry) entries.add(entry);
    }
  });
  return [...entries].sort();
}

function networkLogFailed(target: NetworkLogTarget, error: unknown): EngineError {
  const message = error instanceof Error ? error.message : String(error);
  return new EngineError('LOGS_FAILED', `Could not read the log of the egress gateway ${target.gateway}: ${message}`, {
    hint: `Check that the gateway still runs (\`docker ps -a --filter name=${target.gateway}\`, or podman), then run \`agentctl logs --network\` again`,
    cause: error,
  });
}
