import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import type { LogLine, LogSink } from '../core/agents/agent-logs.js';
import type { OutputStream } from '../io/demux.js';
import type { Io } from '../io/io.js';
import { LineMask, OutputMask } from '../io/output-mask.js';
import { MASK_SECRET_FLAG } from './exec.js';

interface LogsFlags {
  all?: boolean;
  follow?: boolean;
  since?: string;
  until?: string;
  tail?: string;
  timestamps?: boolean;
  secret?: string[];
  network?: boolean;
  allowlist?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** What --since and --until take: docker's grammar (core/agents/log-time.ts), one example of each form. */
export const LOG_TIME_FORMS =
  'a Go duration back from now (10m, 1h30m, 500ms), an RFC 3339 date or time (2026-01-02, 2026-01-02T13:04:05Z), or Unix seconds (1700000000.5)';

function writer(stream: Writable): (data: string | Buffer) => void | Promise<void> {
  return (data) => {
    if (!stream.write(data)) return once(stream, 'drain').then(() => undefined);
  };
}

/**
 * Renders log output: raw bytes, `name | line` prefixes (coloured on a TTY), or NDJSON lines; every
 * registered secret masked (in raw bytes too, when split between two reads).
 */
export function createLogSink(io: Io, options: { json: boolean; prefix: boolean; agents: string[] }): LogSink {
  const out = { stdout: writer(io.streams.stdout), stderr: writer(io.streams.stderr) };
  const rawMasks = { stdout: new OutputMask(io.secrets), stderr: new OutputMask(io.secrets) };
  const palette = [io.style.cyan, io.style.yellow, io.style.green, io.style.magenta, io.style.blue];
  const width = Math.max(...options.agents.map((name) => name.length));
  const prefixes = new Map(
    options.agents.map((name, index) => [name, `${palette[index % palette.length]!(name.padEnd(width))} | `]),
  );
  // One line mask per agent and stream: a secret of several lines is masked over the lines it spans.
  const lineMasks = new Map<string, LineMask<LogLine>>();
  const maskLines = (batch: LogLine[]): LogLine[] =>
    batch.flatMap((line) => {
      const key = `${line.agent}\0${line.stream}`;
      let mask = lineMasks.get(key);
      if (!mask) lineMasks.set(key, (mask = new LineMask<LogLine>(io.secrets)));
      return mask.push(line);
    });
  const render = (batch: LogLine[]) => {
    if (batch.length === 0) return;
    if (options.json) {
      let text = '';
      for (const line of batch) {
        const record: LogLine = { agent: line.agent, stream: line.stream, line: line.line };
        if (line.time !== undefined) record.time = line.time;
        text += `${JSON.stringify(record)}\n`;
      }
      return out.stdout(text);
    }
    const texts: Record<OutputStream, string> = { stdout: '', stderr: '' };
    for (const line of batch)
      texts[line.stream === 'stderr' ? 'stderr' : 'stdout'] +=
        `${options.prefix ? prefixes.get(line.agent) : ''}${line.time === undefined ? '' : `${line.time} `}${line.line}\n`;
    const pending = (['stdout', 'stderr'] as const)
      .filter((stream) => texts[stream] !== '')
      .map((stream) => out[stream](texts[stream]));
    if (pending.some((p) => p)) return Promise.all(pending).then(() => undefined);
  };
  return {
    chunk(stream, data) {
      const bytes = rawMasks[stream].push(data);
      if (bytes.length > 0) return out[stream](bytes);
    },
    async end() {
      const pending = (['stdout', 'stderr'] as const).map((stream) => {
        const rest = rawMasks[stream].end();
        return rest.length > 0 ? out[stream](rest) : undefined;
      });
      if (pending.some((p) => p)) await Promise.all(pending);
      await render([...lineMasks.values()].flatMap((mask) => mask.end()));
    },
    lines(batch: LogLine[]) {
      return render(maskLines(batch));
    },
  };
}

export function registerLogs(program: Command, context: CommandContext): void {
  program
    .command('logs')
    .description("Print agents' logs (stdout and stderr kept apart for agents without a TTY)")
    .argument('[names...]', 'agents whose logs to print')
    .option('--all', 'logs of every agent, interleaved with name prefixes')
    .option('-f, --follow', 'keep printing new output until the agent stops (or Ctrl-C)')
    .option('--since <time>', `only output after this time: ${LOG_TIME_FORMS}`)
    .option('--until <time>', `only output before this time: ${LOG_TIME_FORMS}`)
    .option('-n, --tail <lines>', 'only the last N lines of each agent (or "all")')
    .option('-t, --timestamps', "show the engine's timestamp of each line")
    .option(...MASK_SECRET_FLAG, collect)
    .option(
      '--network',
      "the egress gateway's events of these agents (--egress allowlist or learn) instead of their output",
    )
    .option('--allowlist', 'with --network: the hosts learned or denied, one allow entry per line (for --allow)')
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl logs my-agent --tail 50
  $ agentctl logs -f --since 10m my-agent other-agent
  $ agentctl logs --all --json | jq -r 'select(.stream == "stderr") | .line'
  $ agentctl logs --network fixer --since 1h
  $ agentctl logs --network --allowlist scout

An agent with a TTY (what \`start\` makes unless --no-tty) has one stream: its terminal merges
stdout and stderr before the engine sees them, so its output goes to stdout with \`\\r\\n\` line ends
made \`\\n\`, and --json says "stream":"tty". Agents of \`agentctl run\` and \`start --no-tty\` keep
"stdout" and "stderr" apart, byte for byte (so does \`agentctl exec\` without -t).

--since and --until take what \`docker logs --since\` takes: a Go duration (units ns, us, ms, s,
m, h; a negative one points into the future), an RFC 3339 date or time with optional parts and
zone (local time without one; 2026-02-30 is refused), or Unix seconds with an optional fraction.

Secrets are masked: the values of the secret names the agent was started with and of config
\`secrets\` that are set in your environment now, and those given with --secret. agentctl stores
no secret value, so a secret read from a file at start is masked only when --secret gives it again.

--network prints the egress gateway's decisions about the agents' connections, one line each:
\`2026-12-02T04:47:20Z fixer denied pypi.org:443 (not in allowlist)\` (--json: the event objects,
one per line). --follow, --since, --until and --tail (the last N events of each agent) apply;
--timestamps does not (every event has its time). --allowlist prints the distinct hosts of the
learned events and of those the allowlist denied, ready for --allow. See docs/egress.md.`,
    )
    .action(async (names: string[], flags: LogsFlags) => {
      const { resolveLogAgents, streamAgentLogs } = await import('../core/agents/agent-logs.js');
      const { parseLogWindow, parseTail } = await import('../core/agents/log-time.js');
      const { checkNetworkLogFlags } = await import('../core/egress/network-log-targets.js');
      // Bad values fail before the engine is contacted.
      checkNetworkLogFlags({
        network: Boolean(flags.network),
        allowlist: Boolean(flags.allowlist),
        follow: Boolean(flags.follow),
        timestamps: Boolean(flags.timestamps),
      });
      parseLogWindow(flags, new Date());
      parseTail(flags.tail);
      if (flags.network) {
        const { runNetworkLogs } = await import('./logs-network.js');
        await runNetworkLogs(context, {
          names,
          all: Boolean(flags.all),
          follow: Boolean(flags.follow),
          since: flags.since,
          until: flags.until,
          tail: flags.tail,
          allowlist: Boolean(flags.allowlist),
          secret: flags.secret ?? [],
        });
        return;
      }
      const { io } = context;
      const json = context.globals.json;
      const { registerStreamSecrets } = await import('./exec.js');
      const registerAgentSecrets = await registerStreamSecrets(context, flags.secret ?? []);
      const deps = { runtime: await context.runtime(), signal: context.signal };
      const agents = await resolveLogAgents(deps, { names, all: Boolean(flags.all) });
      registerAgentSecrets(agents);
      if (agents.length === 0) {
        io.info('No agents. Start one with `agentctl start`.');
        return;
      }
      const prefix = agents.length > 1;
      // Timestamps come per line from the engine: lines, so a secret spanning lines is still whole.
      const mode = json || prefix || flags.timestamps ? 'lines' : 'raw';
      const sink = createLogSink(io, { json, prefix, agents: agents.map((agent) => agent.agent) });
      await streamAgentLogs(
        deps,
        agents,
        {
          names,
          all: Boolean(flags.all),
          follow: Boolean(flags.follow),
          since: flags.since,
          until: flags.until,
          tail: flags.tail,
          timestamps: Boolean(flags.timestamps),
          mode,
        },
        sink,
      );
      await sink.end?.();
    });
}
