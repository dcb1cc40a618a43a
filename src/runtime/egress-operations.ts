import type { TarEntry } from '../shared/tar.js';

/**
 * What the egress gateway needs from a backend (src/core/egress): what keeps its agents to it
 * ("networks"), and the gateway's own container. Implemented for the engine API in
 * dockerode-egress.ts (an internal network, the gateway at a fixed address on it) and for
 * Kubernetes in kubernetes/kube-egress.ts (NetworkPolicies, the gateway Pod's own address). A
 * backend without them leaves `ContainerRuntime.egress` undefined, and core refuses an egress
 * policy that needs them with a clear error.
 */

/**
 * How a backend holds agents to the gateway:
 * - `network`: the agents join the internal network (its name is their spec's network), on which
 *   agentctl chose the subnet and the gateway's fixed address (NetworkSpec.subnet, GatewaySpec
 *   internalNetwork.address): the engines.
 * - `policy`: the agents stay on the backend's default network; what createNetwork made selects
 *   them by their labels (io.agentctl.egress-gateway) and the gateway by its own; the gateway's
 *   address is the one the backend gave it, read back with inspectGateway once it runs (Kubernetes:
 *   NetworkPolicies, the Pod's IP).
 */
export type GatewayIsolation = 'network' | 'policy';

export interface NetworkSpec {
  name: string;
  /** The gateway the network serves (a `policy` backend selects its Pod and its agents by it). */
  gateway: string;
  /** No route out of the network: its containers reach only each other. */
  internal: boolean;
  labels: Record<string, string>;
  /** An explicit subnet (CIDR); the engine chooses one when undefined. */
  subnet?: string;
  /**
   * Where the engine picks dynamic addresses, inside the subnet (CIDR): away from the fixed ones. A
   * backend that cannot give a fixed address outside the range (Podman's CNI) leaves it out.
   */
  ipRange?: string;
  /**
   * The engine's host gets no address on the network (Docker's bridge option `inhibit_ipv4`), so a
   * container on it cannot reach services the host listens for on every interface.
   */
  isolateHost?: boolean;
}

export interface NetworkDetails {
  id: string;
  name: string;
  internal: boolean;
  labels: Record<string, string>;
  subnets: { subnet: string; gateway?: string; ipRange?: string }[];
}

/** The gateway container, in no engine's terms (dockerode-egress.ts maps every field). */
export interface GatewaySpec {
  name: string;
  image: string;
  /** argv of the gateway's process; replaces the image's entrypoint and command. */
  command: string[];
  env: { name: string; value: string }[];
  user: { uid: number; gid: number };
  labels: Record<string, string>;
  /** A network with a route out: the gateway's own way to the outside. */
  externalNetwork: string;
  /** The agents' network and the gateway's fixed address on it (`network` isolation only). */
  internalNetwork: { name: string; address?: string };
  /**
   * The file the command runs that writeGatewayFiles brings after create: a backend that runs the
   * gateway at create (Kubernetes: exec needs a running Pod) holds the command until it is there.
   */
  program: string;
  /** Where the gateway keeps its state (CA, registrations, logs): a named volume. */
  stateVolume: { name: string; target: string };
  /** logBytes: what the engine keeps of its log (the network events) per file, as an agent's. */
  limits: { cpus: number; memoryBytes: number; pids: number; logBytes?: number };
}

export interface GatewayDetails {
  id: string;
  running: boolean;
  state: string;
  labels: Record<string, string>;
  /** Its address on each network it is on, by network name. */
  addresses: Record<string, string>;
}

export interface EgressOperations {
  readonly isolation: GatewayIsolation;
  /**
   * `network` isolation: the first two octets of the /24 subnets agentctl tries for the internal
   * network (`10.213`): the engines of one host each have their own, so their bridges never overlap.
   */
  readonly subnetPrefix?: string;
  /**
   * The gateway's network resolves each container's name to its current address, by the engine's
   * own DNS (Docker's user-defined networks): the gateway holds a token to its agent's address by
   * its name, and no address needs writing into the gateway after each start.
   */
  readonly resolvesNames?: boolean;
  /**
   * A warning for the user when this backend cannot keep an agent from connecting around the
   * gateway (Kubernetes without a network plugin that enforces NetworkPolicy); undefined when it
   * can. Asked at each start of an allowlist or learn agent (a backend may remember its answer).
   */
  checkIsolation(): Promise<string | undefined>;
  /** Creates a network; ConflictError NETWORK_EXISTS when the name is taken. */
  createNetwork(spec: NetworkSpec): Promise<NetworkDetails>;
  /** Undefined when there is no such network. */
  inspectNetwork(name: string): Promise<NetworkDetails | undefined>;
  /** Removes a network (nothing when it is gone); ConflictError NETWORK_IN_USE while containers use it. */
  removeNetwork(name: string): Promise<void>;
  /** Creates the gateway container (not started; a `policy` backend may start it), on both of its networks. */
  createGateway(spec: GatewaySpec): Promise<{ id: string }>;
  /** Undefined when there is no such container. */
  inspectGateway(name: string): Promise<GatewayDetails | undefined>;
  /** Extracts files into the gateway (running or not) under `dir` (a path in its state volume). */
  writeGatewayFiles(id: string, dir: string, entries: TarEntry[]): Promise<void>;
  /** A regular file of the gateway; undefined when there is none at that path. */
  readGatewayFile(id: string, path: string): Promise<Buffer | undefined>;
}
