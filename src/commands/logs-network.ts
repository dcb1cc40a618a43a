import { once } from 'node:events';
import type { CommandContext } from './context.js';
import type { EgressEvent } from '../egress/contract.js';
import type { Io } from '../io/io.js';
import type { NetworkLogOptions } from '../core/egress/network-log-targets.js';

export type NetworkLogsFlags = NetworkLogOptions & { allowlist: boolean; secret: string[] };

/**
 * Renders egress events: one line each (`TIME AGENT ACTION HOST:PORT (REASON)`), or one JSON
 * object per line with --json; masked like every log output (a host name is the agent's to choose).
 */
export function createEgressEventSink(io: Io, json: boolean): (events: EgressEvent[]) => void | Promise<void> {
  return async (events) => {
    const { formatEgressEvent } = await import('../core/egress/egress-event.js');
    const text = events
      .map((event) => (json ? JSON.stringify(io.secrets.maskValue(event)) : io.secrets.mask(formatEgressEvent(event))))
      .join('\n');
    if (text === '') return;
    if (!io.streams.stdout.write(`${text}\n`)) await once(io.streams.stdout, 'drain');
  };
}

/** `agentctl logs --network`: the egress gateway's events of the named agents, or their --allowlist. */
export async function runNetworkLogs(context: CommandContext, flags: NetworkLogsFlags): Promise<void> {
  const { resolveNetworkLogTargets } = await import('../core/egress/network-log-targets.js');
  const { streamNetworkLog, collectAllowEntries } = await import('../core/egress/egress-log.js');
  const { io } = context;
  const json = context.globals.json;
  const { registerStreamSecrets } = await import('./exec.js');
  const registerAgentSecrets = await registerStreamSecrets(context, flags.secret);
  const runtime = await context.runtime();
  const deps = { runtime, signal: context.signal, debug: (message: string) => io.debug(message) };
  const targets = await resolveNetworkLogTargets(deps, { names: flags.names, all: flags.all });
  // The agents' own secrets are masked too: a host name is whatever the agent asked the proxy for.
  const { lookupAgentContainer } = await import('../core/agents/agent-lookup.js');
  const agents = await Promise.all(
    targets.flatMap((target) => target.agents.map((name) => lookupAgentContainer(runtime, name))),
  );
  registerAgentSecrets(agents.filter((agent) => agent !== undefined));
  const options = { since: flags.since, until: flags.until, tail: flags.tail };
  if (flags.allowlist) {
    const entries = await collectAllowEntries(deps, targets, options);
    if (json) {
      io.writeJson({ ok: true, allowlist: entries });
      return;
    }
    for (const entry of entries) io.out(entry);
    if (entries.length === 0) io.info('No learned or denied hosts in the network log.');
    return;
  }
  if (targets.length === 0) {
    io.info('No agents with an egress gateway. Start one with `agentctl start NAME --egress learn`.');
    return;
  }
  await streamNetworkLog(deps, targets, { ...options, follow: flags.follow }, createEgressEventSink(io, json));
}
