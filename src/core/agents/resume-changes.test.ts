import { describe, expect, it } from 'vitest';
import type { ContainerDetails } from '../../runtime/container-operations.js';
import { findRequestedChanges, settingsDifferError } from './resume-changes.js';
import type { PreparedStart, StartAgentOptions } from './start-options.js';

const existing: ContainerDetails = {
  id: 'c1',
  name: 'agentctl-x',
  state: 'exited',
  image: 'sha256:abc',
  running: false,
  user: '1000:1000',
  tty: true,
  openStdin: true,
  labels: {
    'io.agentctl.managed': 'true',
    'io.agentctl.image': 'agentctl-test/busybox:1.0.0',
    'io.agentctl.workspace': '/src/app',
    'io.agentctl.read-only': 'false',
  },
  env: ['HOME=/home/agent', 'PLAIN=1', 'TOKEN_FILE=/run/secrets/TOKEN'],
  hostConfig: { nanoCpus: 2e9, memory: 4 * 1024 ** 3, pidsLimit: 512 },
  spec: {
    command: ['sleep', '600'],
    network: 'bridge',
    mounts: [{ source: '/src/app', target: '/workspace', readOnly: false }],
    addCapabilities: [],
  },
  raw: {},
};
const options = (extra: Partial<StartAgentOptions> = {}): StartAgentOptions => ({
  name: 'x',
  detach: true,
  readOnly: false,
  env: [],
  envFiles: [],
  secrets: [],
  ssh: false,
  dockerAccess: 'none',
  waitTimeoutMs: 1000,
  ...extra,
});
const prepared = (extra: Partial<PreparedStart> = {}): PreparedStart => ({
  name: 'x',
  workspace: '/src/app',
  workspaceOwner: { uid: 1000, gid: 1000 },
  env: [],
  secrets: [],
  capabilities: [],
  limits: { cpus: 2, memory: 4 * 1024 ** 3, pidsLimit: 512, logBytes: 20 * 1024 ** 2 },
  egress: { policy: 'open', allow: [], bindings: new Map() },
  additions: { ports: [], userMounts: [] },
  ...extra,
});
const flags = (extra: Partial<StartAgentOptions>, prep: Partial<PreparedStart> = {}) =>
  findRequestedChanges(existing, options(extra), prepared(prep), {}).map((change) => change.flag);

describe('findRequestedChanges', () => {
  it('finds nothing when no flag is given, or only flags with the values the agent has', () => {
    expect(flags({})).toEqual([]);
    expect(
      flags(
        {
          image: 'agentctl-test/busybox:1.0.0',
          workspace: '/src/app',
          memory: '4g',
          cpus: '2',
          pidsLimit: '512',
          command: ['sleep', '600'],
          env: ['PLAIN=1'],
          secrets: ['TOKEN'],
        },
        { env: [['PLAIN', '1']], secrets: [{ name: 'TOKEN' } as never] },
      ),
    ).toEqual([]);
  });

  it('refuses --publish, --mount and --gpus the agent was not created with; accepts those it was', () => {
    const port = { hostIp: '127.0.0.1', hostPort: 3000, containerPort: 3000, protocol: 'tcp' as const };
    const mount = { kind: 'host' as const, source: '/data', target: '/data', readOnly: true, relabel: false };
    expect(flags({ publish: ['3000'] }, { additions: { ports: [port], userMounts: [] } })).toEqual(['--publish']);
    expect(flags({ mounts: ['/data:/data'] }, { additions: { ports: [], userMounts: [mount] } })).toEqual(['--mount']);
    expect(flags({ gpus: 'all' }, { additions: { ports: [], userMounts: [], gpus: { count: 'all' } } })).toEqual([
      '--gpus',
    ]);
    const created: ContainerDetails = {
      ...existing,
      spec: {
        ...existing.spec,
        mounts: [...existing.spec.mounts, { source: '/data', target: '/data', readOnly: true }],
        ports: [{ ...port, hostPort: 3000 }],
        gpus: true,
      },
    };
    const given = findRequestedChanges(
      created,
      options({ publish: ['0:3000'], mounts: ['/data:/data'], gpus: 'all' }),
      prepared({
        additions: { ports: [{ ...port, hostPort: 0 }], userMounts: [mount], gpus: { count: 'all' } },
      }),
      {},
    );
    expect(given).toEqual([]);
    // The same path read-write is a change.
    expect(
      findRequestedChanges(
        created,
        options({ mounts: ['/data:/data:rw'] }),
        prepared({ additions: { ports: [], userMounts: [{ ...mount, readOnly: false }] } }),
        {},
      ).map((change) => change.flag),
    ).toEqual(['--mount']);
  });

  it('names each given flag that differs', () => {
    expect(flags({ image: 'node:22' })).toEqual(['--image']);
    expect(
      flags({ memory: '8g' }, { limits: { cpus: 2, memory: 8 * 1024 ** 3, pidsLimit: 512, logBytes: 20 * 1024 ** 2 } }),
    ).toEqual(['--memory']);
    expect(
      flags(
        { cpus: '1', pidsLimit: '64' },
        { limits: { cpus: 1, memory: 4 * 1024 ** 3, pidsLimit: 64, logBytes: 20 * 1024 ** 2 } },
      ),
    ).toEqual(['--cpus', '--pids-limit']);
    expect(flags({ command: ['sh', '-c', 'true'] })).toEqual(['the command after --']);
    expect(flags({ env: ['PLAIN=2'] }, { env: [['PLAIN', '2']] })).toEqual(['--env']);
    expect(flags({ secrets: ['OTHER'] }, { secrets: [{ name: 'OTHER' } as never] })).toEqual(['--secret']);
    expect(flags({ readOnly: true })).toEqual(['--read-only']);
    expect(flags({ network: 'host' })).toEqual(['--network']);
    expect(flags({ workspace: '/src/other' }, { workspace: '/src/other' })).toEqual(['--workspace']);
    expect(flags({ worktree: true })).toEqual(['--worktree']);
    expect(flags({ ssh: true })).toEqual(['--ssh']);
  });

  it('does not print env values or the command (they may hold secrets)', () => {
    const changes = findRequestedChanges(
      existing,
      options({ env: ['PLAIN=hunter2'], command: ['login', 'hunter2'] }),
      prepared({ env: [['PLAIN', 'hunter2']] }),
      {},
    );
    const error = settingsDifferError('x', 'exited', changes);
    expect(error).toMatchObject({ code: 'AGENT_SETTINGS_DIFFER', kind: 'conflict' });
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain('--env (asked PLAIN)');
    expect(error.hint).toMatch(/agentctl start x`.*agentctl rm x --keep-branch/);
  });
});
