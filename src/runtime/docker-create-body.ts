import { UsageError } from '../shared/errors.js';
import {
  assertEveryFieldDecided,
  type AgentGpus,
  type AgentMount,
  type AgentSpec,
  type AgentSpecFacts,
  type AgentNetwork,
  type PublishedPort,
} from './agent-spec.js';
import type { EngineKind } from './endpoint.js';

/** Log files Docker keeps per agent (json-file and local drivers), of limits.logBytes each. */
export const AGENT_LOG_FILES = 5;

/** The engine API's create-container body (its own field names), with the container's name. */
export interface DockerCreateBody {
  name: string;
  Image: string;
  Cmd?: string[];
  Env: string[];
  User: string;
  WorkingDir: string;
  Labels: Record<string, string>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, Record<string, never>>;
  HostConfig: {
    Binds: string[];
    CapDrop: string[];
    CapAdd: string[];
    SecurityOpt: string[];
    NanoCpus: number;
    Memory: number;
    MemorySwap: number;
    PidsLimit: number;
    GroupAdd?: string[];
    UsernsMode?: string;
    Runtime?: string;
    NetworkMode?: string;
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[]>;
    DeviceRequests?: { Driver: string; Count: number; DeviceIDs?: string[]; Capabilities: string[][] }[];
    Devices?: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
    LogConfig?: { Type: string; Config: Record<string, string> };
  };
}

/**
 * Log options for the engine's default driver (Type ''): Docker's json-file and local take both;
 * Podman's k8s-file takes max-size (conmon cuts its one file back) and ignores max-file.
 */
export function logConfig(bytes: number, files: number): { Type: string; Config: Record<string, string> } {
  return { Type: '', Config: { 'max-size': String(bytes), 'max-file': String(files) } };
}

function bind(mount: AgentMount, selinux: (relabel: boolean) => string[]): string {
  switch (mount.kind) {
    case 'workspace':
    case 'host': {
      if (mount.source.includes(':') || mount.target.includes(':')) {
        throw new UsageError('PATH_HAS_COLON', `The path ${mount.source} contains ":", which cannot be mounted`, {
          hint: 'Move the repository (or agentctl\'s worktreeDir) to a path without ":"',
        });
      }
      const options = [mount.readOnly ? 'ro' : 'rw', ...selinux(mount.relabel)];
      return `${mount.source}:${mount.target}:${options.join(',')}`;
    }
    case 'home':
      return `${mount.volume}:${mount.target}:rw`;
  }
}

function networkMode(network: AgentNetwork): string | undefined {
  switch (network.mode) {
    case 'default':
      return undefined;
    case 'none':
      return 'none';
    case 'named':
      return network.name;
  }
}

/** `3000/tcp` → its bindings; a host port 0 is sent as '' (the engine picks one at start). */
function portBindings(ports: PublishedPort[]): Record<string, { HostIp: string; HostPort: string }[]> {
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of ports) {
    const key = `${port.containerPort}/${port.protocol}`;
    (bindings[key] ??= []).push({ HostIp: port.hostIp, HostPort: port.hostPort === 0 ? '' : String(port.hostPort) });
  }
  return bindings;
}

/**
 * GPUs as each engine takes them: Docker's device requests (the NVIDIA container runtime's `gpu`
 * capability, as `docker run --gpus`); Podman's compat API has no device requests
 * (https://github.com/containers/podman/issues/19338): a CDI device name, as `podman run --device
 * nvidia.com/gpu=all`, which needs the host's CDI spec (`nvidia-ctk cdi generate`).
 */
function gpuRequests(gpus: AgentGpus, kind: EngineKind): Partial<DockerCreateBody['HostConfig']> {
  if (kind === 'docker') {
    return {
      DeviceRequests: [
        'deviceIds' in gpus
          ? { Driver: '', Count: 0, DeviceIDs: gpus.deviceIds, Capabilities: [['gpu']] }
          : { Driver: '', Count: gpus.count === 'all' ? -1 : gpus.count, Capabilities: [['gpu']] },
      ],
    };
  }
  const names =
    'deviceIds' in gpus
      ? gpus.deviceIds
      : gpus.count === 'all'
        ? ['all']
        : Array.from({ length: gpus.count }, (_, index) => String(index));
  return {
    Devices: names.map((id) => ({
      PathOnHost: `nvidia.com/gpu=${id}`,
      PathInContainer: `nvidia.com/gpu=${id}`,
      CgroupPermissions: '',
    })),
  };
}

/**
 * The create-container body for an agent on Docker or Podman: every field of the spec decided
 * (assertEveryFieldDecided). Files are not in it: they are copied in by the archive API once the
 * container exists (docker-files.ts), so no secret is part of the container's configuration.
 */
export function toDockerCreateBody(spec: AgentSpec, kind: EngineKind): DockerCreateBody {
  const {
    name,
    image,
    command,
    env,
    workingDir,
    user,
    labels,
    terminal,
    mounts,
    files: _files,
    limits,
    security,
    network,
    ports = [],
    gpus,
    ociRuntime,
    ...rest
  } = spec;
  assertEveryFieldDecided(rest);
  const securityOpt = ['no-new-privileges', ...(security.disableLabel ? ['label=disable'] : [])];
  const mode = networkMode(network);
  return {
    name,
    Image: image,
    ...(command && command.length > 0 ? { Cmd: command } : {}),
    Env: env.map((variable) => `${variable.name}=${variable.value}`),
    User: `${user.uid}:${user.gid}`,
    WorkingDir: workingDir,
    Labels: labels,
    Tty: terminal,
    OpenStdin: terminal,
    StdinOnce: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(ports.length > 0
      ? { ExposedPorts: Object.fromEntries(ports.map((port) => [`${port.containerPort}/${port.protocol}`, {}])) }
      : {}),
    HostConfig: {
      // `z`: the engine relabels the directory for SELinux (shared between containers).
      Binds: mounts.map((mount) => bind(mount, (relabel) => (relabel ? ['z'] : []))),
      CapDrop: ['ALL'],
      CapAdd: security.addCapabilities,
      SecurityOpt: securityOpt,
      NanoCpus: Math.round(limits.cpus * 1e9),
      Memory: limits.memoryBytes,
      MemorySwap: limits.memorySwapBytes,
      PidsLimit: limits.pids,
      ...(limits.logBytes ? { LogConfig: logConfig(limits.logBytes, AGENT_LOG_FILES) } : {}),
      ...(user.extraGroups.length > 0 ? { GroupAdd: user.extraGroups.map(String) } : {}),
      // Podman's user namespace mode that maps the host user to the same uid inside; Docker has none.
      ...(user.keepHostIds && kind === 'podman' ? { UsernsMode: 'keep-id' } : {}),
      ...(ociRuntime ? { Runtime: ociRuntime } : {}),
      ...(mode ? { NetworkMode: mode } : {}),
      ...(ports.length > 0 ? { PortBindings: portBindings(ports) } : {}),
      ...(gpus ? gpuRequests(gpus, kind) : {}),
    },
  };
}

interface InspectedConfig {
  Config?: { Cmd?: string[] | null };
  HostConfig?: {
    NetworkMode?: string;
    Binds?: string[] | null;
    CapAdd?: string[] | null;
    PortBindings?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null;
    DeviceRequests?: { Capabilities?: string[][] | null }[] | null;
    Devices?: { PathOnHost?: string }[] | null;
  };
}

/** `{"3000/tcp": [{HostIp, HostPort}]}` (HostConfig.PortBindings, NetworkSettings.Ports) as ports. */
export function fromPortBindings(
  bindings: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null | undefined,
): PublishedPort[] {
  return Object.entries(bindings ?? {}).flatMap(([key, list]) => {
    const [port = '', protocol = 'tcp'] = key.split('/');
    return (list ?? []).map((binding) => ({
      hostIp: binding.HostIp ?? '',
      hostPort: Number(binding.HostPort || 0),
      containerPort: Number(port),
      protocol: protocol === 'udp' ? ('udp' as const) : ('tcp' as const),
    }));
  });
}

/** The spec facts of an existing container, from the engine's inspect document. */
export function toSpecFacts(info: InspectedConfig): AgentSpecFacts {
  const network = info.HostConfig?.NetworkMode ?? '';
  const ports = fromPortBindings(info.HostConfig?.PortBindings);
  const gpus =
    (info.HostConfig?.DeviceRequests ?? []).some((request) =>
      (request.Capabilities ?? []).some((set) => set.includes('gpu')),
    ) || (info.HostConfig?.Devices ?? []).some((device) => (device.PathOnHost ?? '').startsWith('nvidia.com/gpu='));
  return {
    ...(info.Config?.Cmd ? { command: info.Config.Cmd } : {}),
    network,
    mounts: (info.HostConfig?.Binds ?? []).map((entry) => {
      const [source = '', target = '', options = ''] = entry.split(':');
      return { source, target, readOnly: options.split(',').includes('ro') };
    }),
    addCapabilities: info.HostConfig?.CapAdd ?? [],
    ...(ports.length > 0 ? { ports } : {}),
    ...(gpus ? { gpus } : {}),
  };
}
