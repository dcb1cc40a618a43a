import { UsageError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import type { ContainerSpec } from '../../runtime/container-operations.js';
import { containerName, homeVolumeName } from './agent-name.js';
import type { AgentUser } from './agent-user.js';
import type { Limits } from './limits.js';

export const WORKSPACE_PATH = '/workspace';
export const HOME_PATH = '/home/agent';
export const SSH_SOCKET_PATH = '/run/ssh-agent.sock';
export const ENGINE_SOCKET_PATH = '/var/run/docker.sock';

export interface AgentSpecInput {
  name: string;
  workspace: string;
  readOnly: boolean;
  image: { reference: string; id: string; digest?: string; source: string };
  /** Replaces the image's command (from `start -- CMD…` or the agent profile). */
  command?: string[];
  /** Plain environment (never secrets): profile env first, then --env-file, then --env. */
  env: [string, string][];
  /** `<NAME>_FILE=/run/secrets/<NAME>` entries; the values travel by the archive API. */
  secretFileEnv: string[];
  user: AgentUser;
  limits: Limits;
  /** What the agent profile documents it needs; everything else is dropped. */
  capabilities: string[];
  /** Host path of the engine socket, mounted only when given (`--docker-access socket`). */
  engineSocket?: { path: string; gid?: number };
  /** Host path of the ssh-agent socket (`--ssh`). */
  sshSocket?: string;
  /** The engine enforces SELinux: relabel the workspace (`z`). */
  selinux: boolean;
  ociRuntime?: string;
  network?: string;
  cliVersion: string;
  /** More labels (branch, worktree, repository) from callers such as worktree support. */
  extraLabels?: Record<string, string>;
  /** More binds (`src:dst:opts`): the repository's git dir for worktree support. */
  extraBinds?: string[];
  /** false: no TTY and no stdin (`agentctl run` keeps stdout and stderr apart); default true. */
  tty?: boolean;
}

/** `cap_net_raw` / `CAP_NET_RAW` / `net_raw` → `NET_RAW`; anything else is a UsageError. */
export function normaliseCapability(value: string): string {
  const name = value.trim().toUpperCase().replace(/^CAP_/, '');
  if (!/^[A-Z][A-Z_]*$/.test(name) || name === 'ALL') {
    throw new UsageError('INVALID_CAPABILITY', `Invalid capability "${value}" in the agent profile`, {
      hint: 'List Linux capability names such as NET_BIND_SERVICE under agents.<name>.capabilities',
    });
  }
  return name;
}

/** The labels that mark a container or volume as this agent's. */
export function agentLabels(
  input: Pick<AgentSpecInput, 'name' | 'workspace' | 'image' | 'cliVersion' | 'readOnly' | 'extraLabels'>,
  kind: 'agent' | 'home',
): Record<string, string> {
  return {
    ...input.extraLabels,
    [LABELS.managed]: 'true',
    [LABELS.kind]: kind,
    [LABELS.agent]: input.name,
    [LABELS.workspace]: input.workspace,
    [LABELS.image]: input.image.reference,
    [LABELS.imageDigest]: input.image.digest ?? input.image.id,
    [LABELS.imageSource]: input.image.source,
    [LABELS.cliVersion]: input.cliVersion,
    [LABELS.readOnly]: String(input.readOnly),
  };
}

/**
 * The create-container body for an agent: the one place where hardening is decided. Non-root user,
 * every capability dropped but the profile's, no-new-privileges, limits always set, the engine
 * socket only on request, the workspace at /workspace and the agent's home in its own volume.
 */
export function buildAgentSpec(input: AgentSpecInput): ContainerSpec {
  const workspaceOptions = [input.readOnly ? 'ro' : 'rw', ...(input.selinux ? ['z'] : [])];
  const binds = [
    `${input.workspace}:${WORKSPACE_PATH}:${workspaceOptions.join(',')}`,
    `${homeVolumeName(input.name)}:${HOME_PATH}:rw`,
    ...(input.extraBinds ?? []),
  ];
  const env = new Map<string, string>(input.env);
  env.set('HOME', HOME_PATH);
  env.set('AGENTCTL_AGENT', input.name);
  if (input.sshSocket) {
    binds.push(`${input.sshSocket}:${SSH_SOCKET_PATH}`);
    env.set('SSH_AUTH_SOCK', SSH_SOCKET_PATH);
  }
  const securityOpt = ['no-new-privileges'];
  const groupAdd: string[] = [];
  if (input.engineSocket) {
    binds.push(`${input.engineSocket.path}:${ENGINE_SOCKET_PATH}`);
    if (input.engineSocket.gid !== undefined) groupAdd.push(String(input.engineSocket.gid));
    // A relabelled engine socket would break the engine itself; the container gets no label instead.
    if (input.selinux) securityOpt.push('label=disable');
  }
  const capAdd = [...new Set(input.capabilities.map(normaliseCapability))];
  const spec: ContainerSpec = {
    name: containerName(input.name),
    Image: input.image.id,
    ...(input.command && input.command.length > 0 ? { Cmd: input.command } : {}),
    Env: [...[...env].map(([key, value]) => `${key}=${value}`), ...input.secretFileEnv],
    User: `${input.user.uid}:${input.user.gid}`,
    WorkingDir: WORKSPACE_PATH,
    Labels: agentLabels(input, 'agent'),
    Tty: input.tty ?? true,
    OpenStdin: input.tty ?? true,
    StdinOnce: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: {
      Binds: binds,
      CapDrop: ['ALL'],
      CapAdd: capAdd,
      SecurityOpt: securityOpt,
      NanoCpus: Math.round(input.limits.cpus * 1e9),
      Memory: input.limits.memory,
      // No swap beyond the memory limit.
      MemorySwap: input.limits.memory,
      PidsLimit: input.limits.pidsLimit,
      ...(groupAdd.length > 0 ? { GroupAdd: groupAdd } : {}),
      ...(input.user.usernsMode ? { UsernsMode: input.user.usernsMode } : {}),
      ...(input.ociRuntime ? { Runtime: input.ociRuntime } : {}),
      ...(input.network ? { NetworkMode: input.network } : {}),
    },
  };
  return spec;
}
