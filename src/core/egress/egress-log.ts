import { isIP } from 'node:net';
import type { EgressAction, EgressEvent } from '../../egress/contract.js';
import { getAddressRefusal } from '../../egress/address-rules.js';
import { parseHostPattern } from '../../egress/host-pattern.js';
import { FrameDemuxer, LineSplitter } from '../../io/demux.js';
import type { ContainerDetails } from '../../runtime/container-operations.js';
import type { StreamOperations } from '../../runtime/stream-operations.js';
import { EngineError, NotFoundError, UsageError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import {
  findAgent,
  lookupAgentContainers,
  type AgentContainerInfo,
  type LookupRuntime,
} from '../agents/agent-lookup.js';
import type { AgentLogsOptions } from '../agents/agent-logs.js';
import { parseLogWindow, parseTail } from '../agents/log-time.js';

/**
 * `agentctl logs --network`: the egress gateway's events (src/egress/contract.ts `EgressEvent`,
 * one JSON line each on the gateway container's stdout) of the named agents, read through the
 * engine's container logs of the gateway. The gateway is shared by every agent of an engine, so
 * its log is filtered by the events' `agent`.
 */
/** `logs`'s own selection and window; `tail` is the last N events of each agent (not N lines of the gateway's log, which every agent shares). */
export type NetworkLogOptions = Pick<AgentLogsOptions, 'names' | 'all' | 'follow' | 'since' | 'until' | 'tail'>;

/** The flags of `logs` that bear on --network and --allowlist (to refuse what does not fit). */
export interface NetworkLogFlags {
  network: boolean;
  allowlist: boolean;
  follow: boolean;
  timestamps: boolean;
}

/** One gateway's log and the agents whose events are read from it. */
export interface NetworkLogTarget {
  gateway: string;
  /** The gateway container's id. */
  id: string;
  agents: string[];
}

export interface NetworkLogDeps {
  runtime: LookupRuntime & Pick<StreamOperations, 'streamLogs'>;
  signal: AbortSignal;
  now?: () => Date;
  /** A gateway log line that is no event (skipped). */
  debug?(message: string): void;
}

/** NETWORK_LOG_OPTION (exit 2): a flag of `logs` that means nothing with (or without) --network. */
export function checkNetworkLogFlags(flags: NetworkLogFlags): void {
  const refuse = (message: string, hint: string) => {
    throw new UsageError('NETWORK_LOG_OPTION', message, { hint });
  };
  if (flags.allowlist && !flags.network)
    refuse(
      '--allowlist lists hosts from the network log: it needs --network',
      'Run `agentctl logs --network --allowlist NAME`',
    );
  if (!flags.network) return;
  if (flags.timestamps)
    refuse(
      '--timestamps does not apply to --network: every event has its own time',
      'Drop --timestamps (`--json` gives each event its full time)',
    );
  if (flags.allowlist && flags.follow)
    refuse(
      '--allowlist prints a list once the log is read: it cannot --follow',
      'Drop --follow: `agentctl logs --network --allowlist NAME`',
    );
}

/**
 * The gateways of the named agents (every agent of a gateway policy with `all`). An agent without
 * one is NETWORK_LOG_UNAVAILABLE (exit 2); a gateway that is gone, EGRESS_GATEWAY_NOT_FOUND (exit 7).
 */
export async function resolveNetworkLogTargets(
  deps: { runtime: LookupRuntime },
  options: Pick<NetworkLogOptions, 'names' | 'all'>,
): Promise<NetworkLogTarget[]> {
  if (options.all && options.names.length > 0) {
    throw new UsageError('NAMES_AND_ALL', 'Give agent names or --all, not both', {
      hint: 'Run `agentctl logs --network --all` or `agentctl logs --network NAME…`',
    });
  }
  let agents: AgentContainerInfo[];
  if (options.all) {
    agents = (await lookupAgentContainers(deps.runtime, { all: true })).filter((agent) => getGatewayOf(agent));
  } else {
    if (options.names.length === 0) {
      throw new UsageError('NO_AGENT_GIVEN', 'Name at least one agent, or give --all', {
        hint: 'Run `agentctl ls` to see your agents (EGRESS column), then `agentctl logs --network NAME`',
      });
    }
    agents = await Promise.all([...new Set(options.names)].map((name) => findAgent(deps, name)));
    for (const agent of agents) if (!getGatewayOf(agent)) throw networkLogUnavailable(agent);
  }
  const byGateway = new Map<string, string[]>();
  for (const agent of agents) {
    const gateway = getGatewayOf(agent)!;
    byGateway.set(gateway, [...(byGateway.get(gateway) ?? []), agent.agent]);
  }
  const targets: NetworkLogTarget[] = [];
  for (const [gateway, names] of byGateway) {
    const details = await deps.runtime.inspectContainer(gateway);
    if (!isGateway(details, gateway)) {
      throw new NotFoundError(
        'EGRESS_GATEWAY_NOT_FOUND',
        `The egress gateway ${gateway} of ${names.join(', ')} is gone`,
        {
          hint: `Its log went with its container. \`agentctl start ${names[0]}\` makes the gateway again; events are logged from then on`,
          details: { gateway, agents: names },
        },
      );
    }
    targets.push({ gateway, id: details.id, agents: names });
  }
  return targets;
}

/** The gateway an agent of policy allowlist or learn is registered with; undefined for other policies. */
function getGatewayOf(agent: AgentContainerInfo): string | undefined {
  const policy = agent.labels[LABELS.egress];
  if (policy !== 'allowlist' && policy !== 'learn') return undefined;
  return agent.labels[LABELS.egressGateway] || undefined;
}

function isGateway(details: ContainerDetails | undefined, name: string): details is ContainerDetails {
  return (
    details !== undefined &&
    details.name === name &&
    details.labels[LABELS.managed] === 'true' &&
    details.labels[LABELS.kind] === 'egress-gateway'
  );
}

function networkLogUnavailable(agent: AgentContainerInfo): UsageError {
  const policy = agent.labels[LABELS.egress] ?? 'open';
  return new UsageError(
    'NETWORK_LOG_UNAVAILABLE',
    `Agent ${agent.agent} has no network log: its egress policy is ${policy}, which does not go through the egress gateway`,
    {
      hint: `Only agents started with \`--egress allowlist\` or \`--egress learn\` have one: \`agentctl rm ${agent.agent}\`, then \`agentctl start ${agent.agent} --egress learn\``,
      details: { agent: agent.agent, policy },
    },
  );
}

const ACTIONS: ReadonlySet<string> = new Set<EgressAction>(['allowed', 'denied', 'learned']);

/**
 * One line of the gateway's stdout as an event, only the contract's fields (the host comes from
 * the agent's request: it is printed escaped, never trusted); undefined for anything else.
 */
export function parseEgressEvent(line: string): EgressEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as Record<string, unknown>;
  if (typeof raw.time !== 'string' || typeof raw.host !== 'string' || typeof raw.action !== 'string') return undefined;
  if (typeof raw.port !== 'number' || !Number.isInteger(raw.port) || !ACTIONS.has(raw.action)) return undefined;
  const names = (field: unknown) =>
    Array.isArray(field) && field.every((item) => typeof item === 'string') ? (field as string[]) : undefined;
  const event: EgressEvent = { time: raw.time, host: raw.host, port: raw.port, action: raw.action as EgressAction };
  if (typeof raw.agent === 'string') event.agent = raw.agent;
  if (typeof raw.reason === 'string') event.reason = raw.reason;
  const injected = names(raw.injected);
  if (injected) event.injected = injected;
  const refused = names(raw.placeholderRefused);
  if (refused) event.placeholderRefused = refused;
  return event;
}

/** Text from the log, made safe for one terminal line (control characters escaped as JSON does). */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f]/.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

/** `2026-12-02T04:47:20Z fixer denied pypi.org:443 (not in allowlist)`, with the secrets it names. */
export function formatEgressEvent(event: EgressEvent): string {
  const time = event.time.replace(/\.\d+Z$/, 'Z');
  const host = isIP(event.host) === 6 ? `[${event.host}]` : event.host;
  const parts = [printable(time), printable(event.agent ?? '-'), event.action, `${printable(host)}:${event.port}`];
  if (event.reason) parts.push(`(${printable(event.reason)})`);
  if (event.injected?.length) parts.push(`injected ${event.injected.map(printable).join(',')}`);
  if (event.placeholderRefused?.length)
    parts.push(`placeholder refused ${event.placeholderRefused.map(printable).join(',')}`);
  return parts.join(' ');
}

/**
 * The allow entry that would have let the event's connection through: the host alone for 443 and
 * 80 (what an entry without a port allows), else `host:port`. Only `learned` events and those
 * `denied` by the allowlist itself, and no address that the address rules refuse whatever the
 * allowlist says (loopback, link-local…): an entry would not open it. Undefined for anything that
 * is no valid entry.
 */
export function getAllowEntry(event: EgressEvent): string | undefined {
  if (event.action !== 'learned' && !(event.action === 'denied' && event.reason === 'not in allowlist'))
    return undefined;
  if (event.host.startsWith('*')) return undefined;
  const host = isIP(event.host) === 6 ? `[${event.host}]` : event.host.toLowerCase();
  const entry = event.port === 443 || event.port === 80 ? host : `${host}:${event.port}`;
  let pattern;
  try {
    pattern = parseHostPattern(entry);
  } catch {
    return undefined;
  }
  // An address the allowlist is asked about first (loopback: `not in allowlist`) that no entry opens.
  if (isIP(event.host) !== 0 && getAddressRefusal(event.host, { allow: [pattern] }) !== undefined) return undefined;
  return entry;
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
