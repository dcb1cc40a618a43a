import { UsageError } from '../shared/errors.js';
import {
  assertEveryFieldDecided,
  type AgentMount,
  type AgentSpec,
  type AgentSpecFacts,
  type AgentNetwork,
} from './agent-spec.js';
import type { EngineKind } from './endpoint.js';

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
  };
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
      ...(user.extraGroups.length > 0 ? { GroupAdd: user.extraGroups.map(String) } : {}),
      // Podman's user namespace mode that maps the host user to the same uid inside; Docker has none.
      ...(user.keepHostIds && kind === 'podman' ? { UsernsMode: 'keep-id' } : {}),
      ...(ociRuntime ? { Runtime: ociRuntime } : {}),
      ...(mode ? { NetworkMode: mode } : {}),
    },
  };
}

interface InspectedConfig {
  Config?: { Cmd?: string[] | null };
  HostConfig?: { NetworkMode?: string; Binds?: string[] | null; CapAdd?: string[] | null };
}

/** The spec facts of an existing container, from the engine's inspect document. */
export function toSpecFacts(info: InspectedConfig): AgentSpecFacts {
  const network = info.HostConfig?.NetworkMode ?? '';
  return {
    ...(info.Config?.Cmd ? { command: info.Config.Cmd } : {}),
    network,
    mounts: (info.HostConfig?.Binds ?? []).map((entry) => {
      const [source = '', target = '', options = ''] = entry.split(':');
      return { source, target, readOnly: options.split(',').includes('ro') };
    }),
    addCapabilities: info.HostConfig?.CapAdd ?? [],
  };
}
