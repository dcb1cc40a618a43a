import type { AgentStats } from '../core/agents/agent-stats.js';
import type { Io } from '../io/io.js';
import { renderTable } from '../io/table.js';

function scaled(bytes: number, base: number, units: readonly string[]): string {
  let value = bytes;
  let unit = 0;
  while (value >= base && unit < units.length - 1) {
    value /= base;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))}${units[unit]}`;
}

/** Memory as the docker CLI shows it: binary units (52.5MiB). */
export function formatBinaryBytes(bytes: number): string {
  return scaled(bytes, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB']);
}

/** Transferred bytes as the docker CLI shows them: decimal units (1.04kB). */
export function formatDecimalBytes(bytes: number): string {
  return scaled(bytes, 1000, ['B', 'kB', 'MB', 'GB', 'TB']);
}

const percent = (value: number | null) => (value === null ? '-' : `${value.toFixed(2)}%`);

/** The lines `agentctl stats` prints: a bold header, one row per agent. */
export function statsTable(agents: readonly AgentStats[], style: Pick<Io['style'], 'bold'>): string[] {
  const rows = [
    ['NAME', 'STATE', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'PIDS / LIMIT', 'NET I/O', 'BLOCK I/O'],
    ...agents.map((agent) => [
      agent.name,
      agent.state,
      percent(agent.cpuPercent),
      agent.memory
        ? `${formatBinaryBytes(agent.memory.usageBytes)} / ${agent.memory.limitBytes === null ? '-' : formatBinaryBytes(agent.memory.limitBytes)}`
        : '-',
      percent(agent.memory?.percent ?? null),
      agent.pids ? `${agent.pids.current} / ${agent.pids.limit ?? '-'}` : '-',
      agent.network
        ? `${formatDecimalBytes(agent.network.rxBytes)} / ${formatDecimalBytes(agent.network.txBytes)}`
        : '-',
      agent.blockIo
        ? `${formatDecimalBytes(agent.blockIo.readBytes)} / ${formatDecimalBytes(agent.blockIo.writeBytes)}`
        : '-',
    ]),
  ];
  const [header = '', ...body] = renderTable(rows, [{}, {}, { align: 'right' }, {}, { align: 'right' }]);
  return [style.bold(header), ...body];
}
