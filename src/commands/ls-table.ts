import { formatBranch, formatState, formatUptime, type AgentListing } from '../core/agents/list-agents.js';
import { formatMemory } from '../core/agents/limits.js';
import type { Io } from '../io/io.js';
import { renderTable } from '../io/table.js';

/** The lines `agentctl ls` prints for the agents: a bold header, one row per agent. */
export function agentTable(agents: readonly AgentListing[], style: Pick<Io['style'], 'bold'>): string[] {
  const rows = [
    ['NAME', 'STATE', 'HEALTH', 'UPTIME', 'IMAGE', 'WORKSPACE', 'BRANCH', 'EGRESS', 'CPUS', 'MEMORY', 'PIDS'],
    ...agents.map((agent) => [
      agent.name,
      agent.reason ? `${agent.state} (${agent.reason.split(':')[0]})` : formatState(agent),
      agent.health ?? '-',
      formatUptime(agent.uptimeSeconds),
      agent.imageName,
      agent.workspace + (agent.readOnly ? ' (ro)' : ''),
      formatBranch(agent),
      agent.egress.policy,
      // Limits the engine does not enforce are not shown as if they held (`ls --json`: enforced false).
      ...(agent.limits.enforced
        ? [
            agent.limits.cpus === null ? '-' : String(agent.limits.cpus),
            formatMemory(agent.limits.memory ?? 0),
            agent.limits.pidsLimit === null ? '-' : String(agent.limits.pidsLimit),
          ]
        : ['ignored', 'ignored', 'ignored']),
    ]),
  ];
  const [header = '', ...body] = renderTable(rows);
  return [style.bold(header), ...body];
}
