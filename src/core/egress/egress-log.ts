import type { EgressEvent } from '../../egress/contract.js';
import { FrameDemuxer, LineSplitter } from '../../io/demux.js';
import type { StreamOperations } from '../../runtime/stream-operations.js';
import { EngineError } from '../../shared/errors.js';
import type { LookupRuntime } from '../agents/agent-lookup.js';
import { parseLogWindow, parseTail } from '../agents/log-time.js';
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
        await readGatewayLog(deps, target, { ...request, follow: options.follow }, 0, (events) =>
          sink(events.filter(wanted)),
        );
        return;
      }
      // The engine's tail counts the lines of every agent: the last N of each are kept here.
      const kept: EgressEvent[] = [];
      const counts = new Map<string, number>();
      const lines = await readGatewayLog(deps, target, { ...request, follow: false }, 0, (events) => {
        for (const event of events.filter(wanted)) {
          kept.push(event);
          counts.set(event.agent!, (counts.get(event.agent!) ?? 0) + 1);
        }
      });
      const skip = new Map([...counts].map(([agent, count]) => [agent, Math.max(0, count - tail)]));
      const last = kept.filter((event) => {
        const left = skip.get(event.agent!)!;
        if (left === 0) return true;
        skip.set(event.agent!, left - 1);
        return false;
      });
      if (last.length > 0) await sink(last);
      // Then what came after: the log is only ever appended to, so its first `lines` lines were read.
      if (options.follow && !deps.signal.aborted)
        await readGatewayLog(deps, target, { ...request, follow: true }, lines, (events) =>
          sink(events.filter(wanted)),
        );
    }),
  );
}

/** Reads one gateway's stdout (its diagnostics on stderr are not events), skipping its first `skip` lines; the number of lines read. */
async function readGatewayLog(
  deps: NetworkLogDeps,
  target: NetworkLogTarget,
  request: Parameters<StreamOperations['streamLogs']>[1],
  skip: number,
  deliver: EgressEventSink,
): Promise<number> {
  const splitter = new LineSplitter();
  let chunks: Buffer[] = [];
  const demuxer = new FrameDemuxer((stream, data) => {
    if (stream === 'stdout') chunks.push(data);
  });
  let count = 0;
  const toEvents = (lines: string[]): EgressEvent[] => {
    const events: EgressEvent[] = [];
    for (const line of lines) {
      count++;
      if (count <= skip || line.trim() === '') continue;
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
    if (deps.signal.aborted) return count;
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
    if (deps.signal.aborted) return count;
    throw networkLogFailed(target, error);
  }
  const rest = splitter.end();
  if (rest !== undefined) {
    const events = toEvents([rest]);
    if (events.length > 0) await deliver(events);
  }
  return count;
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
