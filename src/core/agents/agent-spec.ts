import { UsageError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import {
  parseNetwork,
  type AgentFiles,
  type AgentGpus,
  type AgentMount,
  type AgentSpec,
  type PublishedPort,
} from '../../runtime/agent-spec.js';
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
  /** `<NAME>_FILE=/run/secrets/<NAME>` entries, in the environment after the plain ones. */
  secretFileEnv: [string, string][];
  /** Files in place at start (the secrets): never part of the backend's configuration. */
  files: AgentFiles[];
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
  /** More host mounts: the agent's git repository for worktree support. */
  extraMounts?: AgentMount[];
  /** false: no TTY and no stdin (`agentctl run` keeps stdout and stderr apart); default true. */
  tty?: boolean;
  /** `--publish`: container ports on host addresses (published-ports.ts). */
  ports?: PublishedPort[];
  /** `--mount SRC:DST[:ro|rw]`: more host paths, checked by user-mounts.ts. */
  userMounts?: AgentMount[];
  /** `--gpus`. */
  gpus?: AgentGpus;
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
 * The spec of an agent: the one place where hardening is decided. Non-root user, every capability
 * dropped but the profile's, no-new-privileges (every backend), limits always set, the engine socket
 * only on request, the workspace at /workspace and the agent's home in its own volume.
 */
export function buildAgentSpec(input: AgentSpecInput): AgentSpec {
  const mounts: AgentMount[] = [
    {
      kind: 'workspace',
      source: input.workspace,
      target: WORKSPACE_PATH,
      readOnly: input.readOnly,
      relabel: input.selinux,
    },
    { kind: 'home', volume: homeVolumeName(input.name), target: HOME_PATH },
    ...(input.extraMounts ?? []),
    ...(input.userMounts ?? []),
  ];
  const env = new Map<string, string>(input.env);
  env.set('HOME', HOME_PATH);
  env.set('AGENTCTL_AGENT', input.name);
  if (input.sshSocket) {
    mounts.push({ kind: 'host', source: input.sshSocket, target: SSH_SOCKET_PATH, readOnly: false, relabel: false });
    env.set('SSH_AUTH_SOCK', SSH_SOCKET_PATH);
  }
  const extraGroups: number[] = [];
  if (input.engineSocket) {
    mounts.push({
      kind: 'host',
      source: input.engineSocket.path,
      target: ENGINE_SOCKET_PATH,
      readOnly: false,
      relabel: false,
    });
    if (input.engineSocket.gid !== undefined) extraGroups.push(input.engineSocket.gid);
  }
  for (const [key, value] of input.secretFileEnv) env.set(key, value);
  return {
    name: containerName(input.name),
    image: input.image.id,
    ...(input.command && input.command.length > 0 ? { command: input.command } : {}),
    env: [...env].map(([name, value]) => ({ name, value })),
    workingDir: WORKSPACE_PATH,
    user: { uid: input.user.uid, gid: input.user.gid, extraGroups, keepHostIds: input.user.keepHostIds ?? false },
    labels: agentLabels(input, 'agent'),
    terminal: input.tty ?? true,
    mounts,
    files: input.files,
    limits: {
      cpus: input.limits.cpus,
      memoryBytes: input.limits.memory,
      // No swap beyond the memory limit.
      memorySwapBytes: input.limits.memory,
      pids: input.limits.pidsLimit,
      ...(input.limits.logBytes > 0 ? { logBytes: input.limits.logBytes } : {}),
    },
    security: {
      addCapabilities: [...new Set(input.capabilities.map(normaliseCapability))],
      // A relabelled engine socket would break the engine itself; the container gets no label instead.
      disableLabel: Boolean(input.engineSocket) && input.selinux,
    },
    network: parseNetwork(input.network),
    ...(input.ports && input.ports.length > 0 ? { ports: input.ports } : {}),
    ...(input.gpus ? { gpus: input.gpus } : {}),
    ...(input.ociRuntime ? { ociRuntime: input.ociRuntime } : {}),
  };
}
