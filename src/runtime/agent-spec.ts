/**
 * What an agent is, in no backend's terms: the one data type the core hands to a runtime to create
 * an agent. The core decides everything in it (src/core/agents/agent-spec.ts is the one place where
 * hardening is decided); each backend maps every field to its own objects — the engine's
 * create-container body (src/runtime/docker-create-body.ts), a Pod (src/runtime/kubernetes/pod-spec.ts).
 * Both mappings take the spec apart field by field and check that nothing is left over, so a field
 * added here fails the type check until every backend has decided what it does with it.
 */
export interface AgentSpec {
  /** The name of the agent's container (Kubernetes: of its objects), `agentctl-NAME`. */
  name: string;
  /** The image to run: an id the runtime resolved, or a reference (pinned by digest where known). */
  image: string;
  /** Replaces the image's command; undefined keeps it. */
  command?: string[];
  /** The agent's environment, in order (plain values only: secrets travel as `files`). */
  env: EnvVar[];
  workingDir: string;
  user: AgentSpecUser;
  labels: Record<string, string>;
  /** A terminal and an open stdin (`start`, attachable), or neither (`run` keeps stdout and stderr apart). */
  terminal: boolean;
  mounts: AgentMount[];
  /**
   * Files the agent finds in place when it starts (its secrets, a task's input), owned by its user.
   * Their contents never go into the backend's configuration (inspect, a Pod spec, a record).
   */
  files: AgentFiles[];
  limits: AgentLimits;
  security: AgentSecurity;
  network: AgentNetwork;
  /** Container ports published on the engine's host (`--publish`); omitted: none. A Pod cannot have them. */
  ports?: PublishedPort[];
  /** GPUs handed to the agent (`--gpus`); undefined: none. */
  gpus?: AgentGpus;
  /** The OCI runtime (Kubernetes: RuntimeClass) by name; undefined: the backend's default. */
  ociRuntime?: string;
}

export interface EnvVar {
  name: string;
  value: string;
}

export interface AgentSpecUser {
  uid: number;
  gid: number;
  /** More groups (e.g. the engine socket's group with `--docker-access socket`). */
  extraGroups: number[];
  /**
   * Map the host user to the same uid inside (the backend's user namespace; rootless Podman's
   * keep-id). Asked only of a backend whose engine said it can (EngineInfo.userMapping).
   */
  keepHostIds: boolean;
}

export type AgentMount =
  /** The project at the working directory: a host directory the backend mounts, or clones it from. */
  | { kind: 'workspace'; source: string; target: string; readOnly: boolean; relabel: boolean }
  /** Another host path (the agent's git repository, the ssh-agent or engine socket). */
  | { kind: 'host'; source: string; target: string; readOnly: boolean; relabel: boolean }
  /** The agent's home: a named volume that outlives the container, its root owned by the agent's user. */
  | { kind: 'home'; volume: string; target: string };

/** A container port published on a host address (`--publish [HOST:]PORT[:CONTAINERPORT]`). */
export interface PublishedPort {
  /** The host address it is bound to: 127.0.0.1 unless the user wrote another. */
  hostIp: string;
  /** The host port; 0: the engine picks a free one when the agent starts. */
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** GPUs for the agent: all of them, a number, or devices by id or index (`--gpus`). */
export type AgentGpus = { count: number | 'all' } | { deviceIds: string[] };

export interface AgentFiles {
  /** Directory in the container, e.g. /run/secrets (created, owned by the agent's user). */
  dir: string;
  /** Mode of the directory. */
  mode: number;
  files: { name: string; content: Buffer; mode: number }[];
}

export interface AgentLimits {
  cpus: number;
  memoryBytes: number;
  /** Memory plus swap; equal to memoryBytes: no swap beyond the memory limit. */
  memorySwapBytes: number;
  pids: number;
  /**
   * Bytes of output the engine keeps per log file, so an agent printing without end cannot fill the
   * host's disk; undefined: the engine's own default. Kubernetes: the kubelet rotates container
   * logs itself (containerLogMaxSize), so the Pod spec has no field for it.
   */
  logBytes?: number;
}

export interface AgentSecurity {
  /** Every capability is dropped; these few are added back (the agent profile's). */
  addCapabilities: string[];
  /** No SELinux label for the container (needed to use a mounted engine socket on SELinux hosts). */
  disableLabel: boolean;
}

export type AgentNetwork =
  /** The backend's default network for containers (an engine's bridge, the cluster network). */
  | { mode: 'default' }
  /** No network at all. */
  | { mode: 'none' }
  /** A network by the engine's own name for it (`host`, `container:ID`, a named network). */
  | { mode: 'named'; name: string };

/** The `--network` value a spec's network stands for ('' for the default), as users write it. */
export function networkName(network: AgentNetwork): string {
  return network.mode === 'default' ? '' : network.mode === 'none' ? 'none' : network.name;
}

/** A network as users write it (`--network`, config `network`), undefined or '' for the default. */
export function parseNetwork(value: string | undefined): AgentNetwork {
  if (!value) return { mode: 'default' };
  if (value === 'none') return { mode: 'none' };
  return { mode: 'named', name: value };
}

/**
 * What a backend reports back about an existing agent's configuration, in the same terms: what the
 * core compares when the agent is started again and lists as loosenings.
 */
export interface AgentSpecFacts {
  command?: string[];
  /** '' for the default network. */
  network: string;
  mounts: { source: string; target: string; readOnly: boolean }[];
  addCapabilities: string[];
  /** The published ports it was created with (a host port 0 is picked at each start); omitted: none. */
  ports?: PublishedPort[];
  /** It was given GPUs (`--gpus`); omitted: none. */
  gpus?: boolean;
}

/** The facts of a spec, as a backend reports them back for an existing agent. */
export function specFacts(spec: AgentSpec): AgentSpecFacts {
  return {
    ...(spec.command ? { command: spec.command } : {}),
    network: networkName(spec.network),
    mounts: spec.mounts.flatMap((mount) =>
      mount.kind === 'home'
        ? [{ source: mount.volume, target: mount.target, readOnly: false }]
        : [{ source: mount.source, target: mount.target, readOnly: mount.readOnly }],
    ),
    addCapabilities: spec.security.addCapabilities,
    ...(spec.ports && spec.ports.length > 0 ? { ports: spec.ports } : {}),
    ...(spec.gpus ? { gpus: true } : {}),
  };
}

/**
 * Fails the type check when a backend's mapping left a field of the spec undecided: pass what is
 * left of the spec after taking apart every field the backend handles.
 */
export function assertEveryFieldDecided(rest: Record<string, never>): void {
  void rest;
}
