import type { TarEntry } from '../shared/tar.js';

/**
 * What the egress gateway needs from an engine (src/core/egress): networks, and the gateway's own
 * container. Implemented for the engine API in dockerode-egress.ts; a backend without them (the
 * Kubernetes one, for now) leaves `ContainerRuntime.egress` undefined, and core refuses an egress
 * policy that needs them with a clear error.
 */

export interface NetworkSpec {
  name: string;
  /** No route out of the network: its containers reach only each other. */
  internal: boolean;
  labels: Record<string, string>;
  /** An explicit subnet (CIDR); the engine chooses one when undefined. */
  subnet?: string;
  /** Where the engine picks dynamic addresses, inside the subnet (CIDR). */
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
  /** The agents' network and the gateway's fixed address on it. */
  internalNetwork: { name: string; address: string };
  /** Where the gateway keeps its state (CA, registrations, logs): a named volume. */
  stateVolume: { name: string; target: string };
  limits: { cpus: number; memoryBytes: number; pids: number };
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
  /** Creates a network; ConflictError NETWORK_EXISTS when the name is taken. */
  createNetwork(spec: NetworkSpec): Promise<NetworkDetails>;
  /** Undefined when there is no such network. */
  inspectNetwork(name: string): Promise<NetworkDetails | undefined>;
  /** Removes a network (nothing when it is gone); ConflictError NETWORK_IN_USE while containers use it. */
  removeNetwork(name: string): Promise<void>;
  /** Creates the gateway container (not started), on both of its networks. */
  createGateway(spec: GatewaySpec): Promise<{ id: string }>;
  /** Undefined when there is no such container. */
  inspectGateway(name: string): Promise<GatewayDetails | undefined>;
  /** Extracts files into the gateway (running or not) under `dir` (a path in its state volume). */
  writeGatewayFiles(id: string, dir: string, entries: TarEntry[]): Promise<void>;
  /** A regular file of the gateway; undefined when there is none at that path. */
  readGatewayFile(id: string, path: string): Promise<Buffer | undefined>;
}
