import type { AgentInspection } from '../core/agents/inspect-agent.js';
import { formatState } from '../core/agents/list-agents.js';
import { formatMemory } from '../core/agents/limits.js';
import type { Io } from '../io/io.js';
import { renderTable } from '../io/table.js';

const orDash = (value: string | number | null | undefined) =>
  value === null || value === undefined || value === '' ? '-' : String(value);

/** The lines `agentctl inspect` prints: aligned `key  value` pairs in sections. */
export function inspectionLines(agent: AgentInspection, style: Pick<Io['style'], 'bold'>): string[] {
  const limits = agent.limits;
  const sections: Array<[string, Array<[string, string]>]> = [
    [
      'Agent',
      [
        ['name', agent.name],
        ['container', `${agent.container} (${agent.id.slice(0, 12)})`],
        ['state', agent.reason ? `${agent.state} (${agent.reason})` : formatState(agent)],
        ['health', orDash(agent.health)],
        ['started', orDash(agent.startedAt)],
        ['finished', orDash(agent.finishedAt)],
        ['created by', agent.createdBy ? `agentctl ${agent.createdBy}` : '-'],
      ],
    ],
    [
      'Image',
      [
        ['reference', agent.image],
        ['digest', orDash(agent.imageDigest)],
        ['source', orDash(agent.imageSource)],
      ],
    ],
    [
      'Work',
      [
        ['workspace', agent.workspace + (agent.readOnly ? ' (read-only)' : '')],
        ['branch', orDash(agent.branch)],
        ['base commit', orDash(agent.base)],
        ['worktree', orDash(agent.worktree)],
      ],
    ],
    [
      'Process',
      [
        ['command', agent.command ? agent.command.join(' ') : '(the image default)'],
        ['user', orDash(agent.user)],
        ['terminal', agent.tty ? 'yes' : 'no'],
        ['network', agent.network],
        ['oci runtime', orDash(agent.ociRuntime)],
        ['capabilities', agent.addCapabilities.length > 0 ? agent.addCapabilities.join(', ') : 'none added'],
      ],
    ],
    [
      'Limits',
      [
        ['cpus', limits.enforced ? orDash(limits.cpus) : 'ignored'],
        ['memory', limits.enforced ? formatMemory(limits.memory ?? 0) : 'ignored'],
        ['pids', limits.enforced ? orDash(limits.pidsLimit) : 'ignored'],
        ...(limits.ignoredBecause ? ([['ignored because', limits.ignoredBecause]] as Array<[string, string]>) : []),
      ],
    ],
    ['Mounts', agent.mounts.map((mount) => [mount.target, `${mount.source}${mount.readOnly ? ' (read-only)' : ''}`])],
    ...(agent.ports.length > 0
      ? ([
          [
            'Ports',
            agent.ports.map((port) => [
              `${port.containerPort}/${port.protocol}`,
              `${port.hostIp.includes(':') ? `[${port.hostIp}]` : port.hostIp}:${port.hostPort === 0 ? '(picked at start)' : port.hostPort}`,
            ]),
          ],
        ] as Array<[string, Array<[string, string]>]>)
      : []),
    [
      'Given',
      [
        ['secrets', agent.secrets.length > 0 ? agent.secrets.join(', ') : 'none'],
        ['environment', agent.environment.length > 0 ? agent.environment.join(', ') : 'none'],
        [
          'labels',
          Object.keys(agent.labels).length > 0
            ? Object.entries(agent.labels)
                .map(([key, value]) => `${key}=${value}`)
                .join(', ')
            : 'none',
        ],
        [
          'loosened',
          agent.loosened.length > 0
            ? agent.loosened.map((item) => `${item.kind} (${item.value})`).join(', ')
            : 'nothing (the hardened default)',
        ],
      ],
    ],
  ];
  const lines: string[] = [];
  for (const [title, rows] of sections) {
    if (rows.length === 0) continue;
    if (lines.length > 0) lines.push('');
    lines.push(style.bold(title));
    lines.push(...renderTable(rows.map(([key, value]) => [`  ${key}`, value])));
  }
  return lines;
}
