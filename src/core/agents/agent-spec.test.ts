import { describe, expect, it } from 'vitest';
import { buildAgentSpec as buildSpec, normaliseCapability, type AgentSpecInput } from './agent-spec.js';
import { toDockerCreateBody } from '../../runtime/docker-create-body.js';

/** The spec as the engines get it: the hardening decided here, in the engine's terms. */
const buildAgentSpec = (i: AgentSpecInput) => toDockerCreateBody(buildSpec(i), 'podman');
import { LABELS } from '../../shared/labels.js';

function input(overrides: Partial<AgentSpecInput> = {}): AgentSpecInput {
  return {
    name: 'fixer',
    workspace: '/home/dev/app',
    readOnly: false,
    image: {
      reference: 'ghcr.io/agentctl/agent:1.2.3',
      id: 'sha256:abc',
      digest: 'ghcr.io/agentctl/agent@sha256:def',
      source: 'local',
    },
    env: [['FOO', 'bar']],
    secretFileEnv: [['API_KEY_FILE', '/run/secrets/API_KEY']],
    files: [],
    user: { uid: 501, gid: 20, reason: 'the host user' },
    limits: { cpus: 2, memory: 4 * 1024 ** 3, pidsLimit: 512, logBytes: 20 * 1024 ** 2 },
    capabilities: [],
    selinux: false,
    cliVersion: '0.1.0',
    ...overrides,
  };
}

describe('buildAgentSpec (hardening)', () => {
  it('runs as the given non-root user with every capability dropped and no new privileges', () => {
    const spec = buildAgentSpec(input());
    expect(spec.name).toBe('agentctl-fixer');
    expect(spec.User).toBe('501:20');
    expect(spec.HostConfig.CapDrop).toEqual(['ALL']);
    expect(spec.HostConfig.CapAdd).toEqual([]);
    expect(spec.HostConfig.SecurityOpt).toEqual(['no-new-privileges']);
    expect(spec.HostConfig.UsernsMode).toBeUndefined();
  });

  it('bounds the log (5 files of logBytes); a log size of 0 leaves the engine its default', () => {
    const bounded = toDockerCreateBody(buildSpec(input({})), 'docker');
    expect(bounded.HostConfig.LogConfig).toEqual({
      Type: '',
      Config: { 'max-size': String(20 * 1024 ** 2), 'max-file': '5' },
    });
    const engineDefault = buildSpec(input({ limits: { cpus: 2, memory: 4 * 1024 ** 3, pidsLimit: 512, logBytes: 0 } }));
    expect(engineDefault.limits.logBytes).toBeUndefined();
    expect(toDockerCreateBody(engineDefault, 'podman').HostConfig.LogConfig).toBeUndefined();
  });

  it('always sets CPU, memory (without extra swap) and PID limits', () => {
    const spec = buildAgentSpec(
      input({ limits: { cpus: 1.5, memory: 512 * 1024 ** 2, pidsLimit: 64, logBytes: 1024 ** 2 } }),
    );
    expect(spec.HostConfig.NanoCpus).toBe(1_500_000_000);
    expect(spec.HostConfig.Memory).toBe(536_870_912);
    expect(spec.HostConfig.MemorySwap).toBe(536_870_912);
    expect(spec.HostConfig.PidsLimit).toBe(64);
  });

  it('mounts the workspace at /workspace and the home volume at /home/agent, and nothing else', () => {
    const spec = buildAgentSpec(input());
    expect(spec.HostConfig.Binds).toEqual(['/home/dev/app:/workspace:rw', 'agentctl-fixer-home:/home/agent:rw']);
    expect(spec.WorkingDir).toBe('/workspace');
    expect(spec.Env).toContain('HOME=/home/agent');
  });

  it('mounts the workspace read-only with --read-only and relabels it on SELinux', () => {
    expect(buildAgentSpec(input({ readOnly: true })).HostConfig.Binds[0]).toBe('/home/dev/app:/workspace:ro');
    expect(buildAgentSpec(input({ selinux: true })).HostConfig.Binds[0]).toBe('/home/dev/app:/workspace:rw,z');
  });

  it('never mounts the engine socket unless asked, and then adds its group', () => {
    const plain = buildAgentSpec(input());
    expect(JSON.stringify(plain)).not.toMatch(/docker\.sock|podman\.sock/);
    const withSocket = buildAgentSpec(input({ engineSocket: { path: '/run/podman/podman.sock', gid: 998 } }));
    expect(withSocket.HostConfig.Binds).toContain('/run/podman/podman.sock:/var/run/docker.sock:rw');
    expect(withSocket.HostConfig.GroupAdd).toEqual(['998']);
    expect(
      buildAgentSpec(input({ selinux: true, engineSocket: { path: '/s.sock' } })).HostConfig.SecurityOpt,
    ).toContain('label=disable');
  });

  it('adds only the capabilities the profile documents, normalised', () => {
    const spec = buildAgentSpec(input({ capabilities: ['cap_net_bind_service', 'NET_BIND_SERVICE', 'chown'] }));
    expect(spec.HostConfig.CapAdd).toEqual(['NET_BIND_SERVICE', 'CHOWN']);
    expect(() => normaliseCapability('ALL')).toThrow(/Invalid capability/);
    expect(() => normaliseCapability('net raw')).toThrow(/Invalid capability/);
  });

  it('passes secrets only as *_FILE paths, never as values', () => {
    const spec = buildAgentSpec(input());
    expect(spec.Env).toContain('API_KEY_FILE=/run/secrets/API_KEY');
    expect(spec.Env.some((entry) => entry.startsWith('API_KEY='))).toBe(false);
  });

  it('forwards the ssh-agent socket, not ~/.ssh', () => {
    const spec = buildAgentSpec(input({ sshSocket: '/tmp/ssh-XYZ/agent.1' }));
    expect(spec.HostConfig.Binds).toContain('/tmp/ssh-XYZ/agent.1:/run/ssh-agent.sock:rw');
    expect(spec.Env).toContain('SSH_AUTH_SOCK=/run/ssh-agent.sock');
    expect(JSON.stringify(spec)).not.toContain('.ssh:');
  });

  it('uses keep-id for rootless Podman and passes the OCI runtime and network through', () => {
    const spec = buildAgentSpec(
      input({
        user: { uid: 1000, gid: 1000, keepHostIds: true, reason: '' },
        ociRuntime: 'sysbox-runc',
        network: 'none',
      }),
    );
    expect(spec.HostConfig.UsernsMode).toBe('keep-id');
    expect(spec.HostConfig.Runtime).toBe('sysbox-runc');
    expect(spec.HostConfig.NetworkMode).toBe('none');
  });

  it('labels the container as agentctl-managed with agent, workspace, image and version', () => {
    const labels = buildAgentSpec(input({ extraLabels: { [LABELS.branch]: 'agent/fixer' } })).Labels;
    expect(labels).toMatchObject({
      [LABELS.managed]: 'true',
      [LABELS.kind]: 'agent',
      [LABELS.agent]: 'fixer',
      [LABELS.workspace]: '/home/dev/app',
      [LABELS.image]: 'ghcr.io/agentctl/agent:1.2.3',
      [LABELS.imageDigest]: 'ghcr.io/agentctl/agent@sha256:def',
      [LABELS.imageSource]: 'local',
      [LABELS.cliVersion]: '0.1.0',
      [LABELS.branch]: 'agent/fixer',
    });
  });

  it('runs the image by id (what was resolved) and the given command', () => {
    const spec = buildAgentSpec(input({ command: ['sleep', '600'] }));
    expect(spec.Image).toBe('sha256:abc');
    expect(spec.Cmd).toEqual(['sleep', '600']);
    expect(buildAgentSpec(input()).Cmd).toBeUndefined();
  });

  it('keeps the last value of a repeated variable and lets no input override HOME', () => {
    const spec = buildAgentSpec(
      input({
        env: [
          ['A', '1'],
          ['A', '2'],
          ['HOME', '/root'],
        ],
      }),
    );
    expect(spec.Env.filter((entry) => entry.startsWith('A='))).toEqual(['A=2']);
    expect(spec.Env.filter((entry) => entry.startsWith('HOME='))).toEqual(['HOME=/home/agent']);
  });

  it('refuses a host path with ":" for the engine (its bind syntax cannot hold one)', () => {
    expect(() => buildAgentSpec(input({ workspace: '/home/dev/a:b' }))).toThrow(/contains ":"/);
  });

  it('keeps secret values out of the spec but for its files, and the engine body has no files at all', () => {
    const secret = {
      dir: '/run/secrets',
      mode: 0o500,
      files: [{ name: 'K', mode: 0o400, content: Buffer.from('v4lue') }],
    };
    const spec = buildSpec(input({ files: [secret] }));
    expect(spec.files).toEqual([secret]);
    expect(JSON.stringify(toDockerCreateBody(spec, 'docker'))).not.toContain('v4lue');
    expect(
      toDockerCreateBody({ ...spec, user: { ...spec.user, keepHostIds: true } }, 'docker').HostConfig.UsernsMode,
    ).toBeUndefined();
  });
});
