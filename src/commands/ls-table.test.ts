import { describe, expect, it } from 'vitest';
import type { AgentListing } from '../core/agents/list-agents.js';
import { agentTable } from './ls-table.js';

const plain = { bold: (text: string) => text };

function agent(overrides: Partial<AgentListing>): AgentListing {
  return {
    name: 'fixer',
    container: 'agentctl-fixer',
    id: 'c0ffee',
    state: 'running',
    health: null,
    exitCode: null,
    finishedAt: null,
    oomKilled: false,
    imageName: 'agent:0.1.0',
    imageDigest: null,
    reason: null,
    startedAt: '2026-01-01T00:00:00Z',
    uptimeSeconds: 4000,
    image: 'ghcr.io/agentctl/agent:0.1.0',
    imageVersion: '0.1.0',
    workspace: '/home/dev/project',
    branch: null,
    readOnly: false,
    egress: { policy: 'open', allow: [] },
    labels: {},
    limits: { cpus: 2, memory: 4 * 1024 ** 3, pidsLimit: 512, enforced: true },
    ...overrides,
  };
}

describe('agentctl ls, as text (golden)', () => {
  it('lays out running, exited, read-only, worktree, pending and unenforced agents', () => {
    const agents = [
      agent({ health: 'healthy' }),
      agent({
        name: 'reviewer-2',
        state: 'exited',
        exitCode: 137,
        oomKilled: true,
        uptimeSeconds: null,
        startedAt: null,
        readOnly: true,
        imageName: 'agent-node:1.2.3',
        limits: { cpus: null, memory: null, pidsLimit: null, enforced: true },
      }),
      agent({
        name: 'wt',
        uptimeSeconds: 59,
        egress: { policy: 'allowlist', allow: ['api.anthropic.com'] },
        workspace: '/home/dev/agentctl/worktrees/project-1a2b3c4d/wt',
        branch: 'agent/wt',
        worktree: { path: '/w', uncommitted: 3, unmerged: 2, unpushed: 0, upstream: null },
      }),
      agent({
        name: 'pending',
        state: 'created',
        uptimeSeconds: null,
        reason: 'Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.',
      }),
      agent({
        name: 'rootless',
        uptimeSeconds: 90_000,
        limits: { cpus: 2, memory: 1024 ** 3, pidsLimit: 100, enforced: false, ignoredBecause: 'cgroup v1' },
      }),
    ];
    expect(agentTable(agents, plain).join('\n')).toBe(
      [
        'NAME        STATE                     HEALTH   UPTIME  IMAGE             WORKSPACE                                         BRANCH                                 EGRESS     CPUS     MEMORY   PIDS',
        'fixer       running                   healthy  1h6m    agent:0.1.0       /home/dev/project                                 -                                      open       2        4g       512',
        'reviewer-2  exited (137, OOM killed)  -        -       agent-node:1.2.3  /home/dev/project (ro)                            -                                      open       -        -        -',
        'wt          running                   -        59s     agent:0.1.0       /home/dev/agentctl/worktrees/project-1a2b3c4d/wt  agent/wt (3 uncommitted, +2 unmerged)  allowlist  2        4g       512',
        'pending     created (Unschedulable)   -        -       agent:0.1.0       /home/dev/project                                 -                                      open       2        4g       512',
        'rootless    running                   -        1d1h    agent:0.1.0       /home/dev/project                                 -                                      open       ignored  ignored  ignored',
      ].join('\n'),
    );
  });

  it('lines up paths with wide characters, and bolds only the header', () => {
    const bold = (text: string) => `<b>${text}</b>`;
    const lines = agentTable(
      [
        agent({ name: 'a', workspace: '/home/用户/项目', uptimeSeconds: 5 }),
        agent({ name: 'b', workspace: '/w', uptimeSeconds: 5 }),
      ],
      { bold },
    );
    expect(lines).toEqual([
      '<b>NAME  STATE    HEALTH  UPTIME  IMAGE        WORKSPACE        BRANCH  EGRESS  CPUS  MEMORY  PIDS</b>',
      'a     running  -       5s      agent:0.1.0  /home/用户/项目  -       open    2     4g      512',
      'b     running  -       5s      agent:0.1.0  /w               -       open    2     4g      512',
    ]);
  });
});
