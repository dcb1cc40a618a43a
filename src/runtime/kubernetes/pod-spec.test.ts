import { describe, expect, it } from 'vitest';
import type { AgentMount, AgentSpec } from '../agent-spec.js';
import {
  buildRecordConfigMap,
  checkKubernetesName,
  recordFiles,
  fileKey,
  parseRecord,
  type AgentRecord,
} from './agent-record.js';
import { buildPod, classifyMounts, cloneScript } from './pod-spec.js';

type Recorded = AgentRecord['spec'];

const MOUNTS: AgentMount[] = [
  { kind: 'workspace', source: '/home/me/project', target: '/workspace', readOnly: false, relabel: false },
  { kind: 'home', volume: 'agentctl-a-home', target: '/home/agent' },
];

function spec(extra: Partial<AgentSpec> = {}): Recorded {
  return {
    name: 'agentctl-a',
    image: 'registry.example/agent:1.0.0',
    env: [
      { name: 'HOME', value: '/home/agent' },
      { name: 'TOKEN_FILE', value: '/run/secrets/TOKEN' },
    ],
    user: { uid: 1000, gid: 1000, extraGroups: [], keepHostIds: false },
    workingDir: '/workspace',
    labels: { 'io.agentctl.managed': 'true', 'io.agentctl.agent': 'a', 'io.agentctl.workspace': '/home/me/project' },
    terminal: true,
    mounts: MOUNTS,
    limits: { cpus: 1.5, memoryBytes: 512 * 1024 * 1024, memorySwapBytes: 512 * 1024 * 1024, pids: 512 },
    security: { addCapabilities: [], disableLabel: false },
    network: { mode: 'default' },
    ...extra,
  };
}

const owner = { metadata: { name: 'agentctl-a', uid: 'uid-1' } };
const record = (extra: Partial<AgentRecord> = {}): AgentRecord => ({
  format: 2,
  spec: spec(),
  workspace: { remote: 'https://git.example/p.git', commit: 'c'.repeat(40), branch: 'main', readOnly: false },
  files: [
    { dir: '/run/secrets', name: 'TOKEN', key: 'run_secrets_TOKEN' },
    { dir: '/run/agentctl-task', name: 'input', key: 'run_agentctl-task_input' },
  ],
  ...extra,
});

describe('buildPod', () => {
  it('hardens the agent container as the engine spec does, in Kubernetes terms', () => {
    const pod = buildPod('agentctl-a', record(), owner);
    const agent = pod.spec!.containers[0]!;
    expect(agent.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsUser: 1000,
      runAsGroup: 1000,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.spec).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: { fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    });
    expect(agent.resources).toEqual({
      limits: { cpu: '1500m', memory: String(512 * 1024 * 1024) },
      requests: { cpu: '1500m', memory: String(512 * 1024 * 1024) },
    });
    expect(agent).toMatchObject({ tty: true, stdin: true, workingDir: '/workspace', imagePullPolicy: 'IfNotPresent' });
    expect(pod.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'ConfigMap', name: 'agentctl-a', uid: 'uid-1' }),
    ]);
  });

  it('keeps labels that are label values, and every label in the annotation (a path is not a label value)', () => {
    const pod = buildPod('agentctl-a', record(), owner);
    expect(pod.metadata?.labels).toEqual({
      'io.agentctl.managed': 'true',
      'io.agentctl.agent': 'a',
      'agentctl.io/record': 'agentctl-a',
      'agentctl.io/record-uid': 'uid-1',
    });
    expect(JSON.parse(pod.metadata!.annotations!['agentctl.io/labels']!)).toMatchObject({
      'io.agentctl.workspace': '/home/me/project',
    });
  });

  it('puts home and workspace on the state claim, clones before the agent starts, and mounts secrets as files', () => {
    const pod = buildPod('agentctl-a', record(), owner);
    expect(pod.spec!.initContainers!.map((container) => container.name)).toEqual(['prepare-state', 'clone-workspace']);
    const prepare = pod.spec!.initContainers![0]!;
    expect(prepare.securityContext).toMatchObject({
      runAsUser: 0,
      capabilities: { drop: ['ALL'], add: ['CHOWN'] },
      allowPrivilegeEscalation: false,
    });
    expect(prepare.command!.join(' ')).toContain('chown 1000:1000 /state/home /state/workspace');
    const clone = pod.spec!.initContainers![1]!;
    expect(clone.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true });
    expect(pod.spec!.volumes).toEqual([
      { name: 'state', persistentVolumeClaim: { claimName: 'agentctl-a-home' } },
      {
        name: 'secrets',
        secret: {
          secretName: 'agentctl-a-secrets',
          defaultMode: 0o440,
          items: [{ key: 'run_secrets_TOKEN', path: 'TOKEN' }],
        },
      },
      {
        name: 'secrets-1',
        secret: {
          secretName: 'agentctl-a-secrets',
          defaultMode: 0o440,
          items: [{ key: 'run_agentctl-task_input', path: 'input' }],
        },
      },
    ]);
    expect(pod.spec!.containers[0]!.volumeMounts).toEqual([
      { name: 'state', mountPath: '/home/agent', subPath: 'home' },
      { name: 'state', mountPath: '/workspace', subPath: 'workspace', readOnly: false },
      { name: 'secrets', mountPath: '/run/secrets', readOnly: true },
      { name: 'secrets-1', mountPath: '/run/agentctl-task', readOnly: true },
    ]);
    expect(fileKey('/run/secrets', 'TOKEN')).toBe('run_secrets_TOKEN');
    expect(JSON.stringify(pod)).not.toMatch(/"value":"[^"]*secret-value/);
  });

  it('mounts a read-only workspace read-only, and a Cmd is the container args', () => {
    const pod = buildPod(
      'agentctl-a',
      record({
        spec: spec({
          command: ['sh', '-c', 'echo hi'],
          mounts: [{ ...MOUNTS[0]!, readOnly: true } as AgentMount, MOUNTS[1]!],
        }),
        workspace: { remote: 'https://g/p.git', commit: 'abc', readOnly: true },
      }),
      owner,
    );
    expect(pod.spec!.containers[0]!.args).toEqual(['sh', '-c', 'echo hi']);
    expect(pod.spec!.containers[0]!.command).toBeUndefined();
    expect(pod.spec!.containers[0]!.volumeMounts).toContainEqual({
      name: 'state',
      mountPath: '/workspace',
      subPath: 'workspace',
      readOnly: true,
    });
  });
});

describe('classifyMounts', () => {
  it('refuses host paths other than the workspace, and engine networks, saying what to drop', () => {
    const ssh: AgentMount = {
      kind: 'host',
      source: '/run/ssh.sock',
      target: '/run/ssh-agent.sock',
      readOnly: false,
      relabel: false,
    };
    expect(() => classifyMounts(spec({ mounts: [...MOUNTS, ssh] }))).toThrow(
      expect.objectContaining({ code: 'KUBERNETES_UNSUPPORTED', hint: expect.stringContaining('--ssh') }),
    );
    expect(() => classifyMounts(spec({ network: { mode: 'named', name: 'host' } }))).toThrow(
      expect.objectContaining({ code: 'KUBERNETES_UNSUPPORTED', message: expect.stringContaining('--network host') }),
    );
    expect(() => classifyMounts(spec({ network: { mode: 'none' } }))).toThrow(
      expect.objectContaining({ code: 'KUBERNETES_UNSUPPORTED' }),
    );
    expect(classifyMounts(spec())).toEqual({ workspace: MOUNTS[0], home: MOUNTS[1] });
  });

  it('refuses what a Pod cannot have rather than dropping it', () => {
    expect(() =>
      buildPod(
        'agentctl-a',
        record({ spec: spec({ user: { uid: 1, gid: 1, extraGroups: [], keepHostIds: true } }) }),
        owner,
      ),
    ).toThrow(expect.objectContaining({ code: 'KUBERNETES_UNSUPPORTED' }));
    expect(() =>
      buildPod('agentctl-a', record({ spec: spec({ security: { addCapabilities: [], disableLabel: true } }) }), owner),
    ).toThrow(expect.objectContaining({ code: 'KUBERNETES_UNSUPPORTED' }));
    const pod = buildPod(
      'agentctl-a',
      record({
        spec: spec({ ociRuntime: 'gvisor', user: { uid: 1000, gid: 1000, extraGroups: [998], keepHostIds: false } }),
      }),
      owner,
    );
    expect(pod.spec).toMatchObject({ runtimeClassName: 'gvisor', securityContext: { supplementalGroups: [998] } });
  });

  it("keeps the files' contents for the Secret, and only their names in the record", () => {
    const { entries, data } = recordFiles({
      dir: '/run/secrets/',
      mode: 0o500,
      files: [{ name: 'TOKEN', mode: 0o400, content: Buffer.from('secret-value') }],
    });
    expect(entries).toEqual([{ dir: '/run/secrets', name: 'TOKEN', key: 'run_secrets_TOKEN' }]);
    expect(data).toEqual({ run_secrets_TOKEN: Buffer.from('secret-value') });
  });
});

describe('cloneScript', () => {
  it('clones only an empty workspace, checks out the commit on the branch, and quotes what it is given', () => {
    const script = cloneScript({ remote: "https://g/it's.git", commit: 'abc123', branch: 'main', readOnly: false });
    expect(script).toContain("git clone -q --no-checkout 'https://g/it'\\''s.git' /workspace");
    expect(script).toContain("checkout -q -B 'main' 'abc123'");
    expect(script.indexOf('/workspace/.git')).toBeLessThan(script.indexOf('git clone'));
    expect(cloneScript({ remote: 'https://g/p.git', commit: 'abc', readOnly: false })).toContain(
      "checkout -q --detach 'abc'",
    );
  });
});

describe('names and records', () => {
  it('refuses names Kubernetes cannot use', () => {
    expect(() => checkKubernetesName('agentctl-Upper')).toThrow(
      expect.objectContaining({ code: 'KUBERNETES_NAME_INVALID' }),
    );
    expect(() => checkKubernetesName('agentctl-a_b')).toThrow();
    expect(() => checkKubernetesName('agentctl-a.b-1')).not.toThrow();
  });

  it('a record survives the round trip through its ConfigMap', () => {
    const map = buildRecordConfigMap('agentctl-a', record());
    expect(parseRecord({ ...map, data: map.data })).toEqual(record());
    expect(map.metadata?.annotations?.['agentctl.io/state']).toBe('created');
    expect(parseRecord({ data: { 'agent.json': '{broken' } })).toBeUndefined();
    // A record of the format before the engine-neutral spec is not misread as one.
    expect(
      parseRecord({ data: { 'agent.json': JSON.stringify({ spec: { Image: 'x' }, files: [] }) } }),
    ).toBeUndefined();
  });
});
