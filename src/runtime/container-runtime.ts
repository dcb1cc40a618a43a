import type { ArchiveOperations } from './archive-operations.js';
import type { ContainerOperations } from './container-operations.js';
import type { EgressOperations } from './egress-operations.js';
import type { EngineKind, Endpoint } from './endpoint.js';
import type { EngineOperations } from './engine-operations.js';
import type { ImageOperations } from './image-operations.js';
import type { StatsOperations } from './stats-operations.js';
import type { StreamOperations } from './stream-operations.js';

/** The engine's own account of itself (from GET /version). */
export interface EngineVersion {
  kind: EngineKind;
  version: string;
  apiVersion: string;
  os?: string;
  arch?: string;
}

/**
 * What a backend does differently, declared by the backend so that core code asks about a
 * capability, never about which backend it has.
 */
export interface RuntimeCapabilities {
  /** Host directories can be bind-mounted (Docker, Podman). Otherwise the backend brings the
   * workspace itself (Kubernetes clones the checkout's remote), so every agent has its own copy. */
  bindMounts: boolean;
  /** The backend pulls images when an agent starts (Kubernetes: the kubelet); agentctl does not pull. */
  pullsOnStart: boolean;
  /** Agents run on a cluster's nodes (doctor says "cluster"; rootless/rootful describe no engine here). */
  cluster: boolean;
  /**
   * Who a container's uid is on the host when the engine runs rootless: `keep-host-ids` — the
   * backend can map the host user to the same uid inside (Podman's keep-id); `root-is-host-user` —
   * container root is the host user (rootless Docker's user namespace); `none` — not applicable.
   */
  rootlessUsers: 'keep-host-ids' | 'root-is-host-user' | 'none';
  /**
   * The backend itself stops an agent at the end of its lifetime (`start --ttl`, the label
   * io.agentctl.ttl), also while agentctl is not running (Kubernetes: the kubelet). Absent or
   * false: --ttl is refused (TTL_UNSUPPORTED).
   */
  lifetime?: boolean;
}

/** A check only the backend knows how to make (`agentctl doctor` shows it with the others). */
export interface BackendCheck {
  id: string;
  title: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  message: string;
  fix?: string;
  details?: Record<string, unknown>;
}

/**
 * The one interface over a container engine's API. Docker and Podman are both reached through
 * their Docker-compatible API (dockerode); where they differ, the implementation knows `kind`.
 * Each concern's operations are declared in their own file.
 */
export interface ContainerRuntime extends EngineOperations, ImageOperations, ContainerOperations, StreamOperations {
  readonly endpoint: Endpoint;
  readonly kind: EngineKind;
  readonly version: EngineVersion;
  readonly capabilities: RuntimeCapabilities;
  /**
   * Networks and the egress gateway (an agent's egress policy `allowlist`, `learn`): the engines'
   * and Kubernetes' (NetworkPolicies, a gateway Pod); undefined on a backend that has no such
   * objects, where core refuses those policies (EGRESS_UNSUPPORTED).
   */
  readonly egress?: EgressOperations;
  /** A container's files as tar archives (`agentctl cp`). */
  readonly archive: ArchiveOperations;
  /** Resource readings of a container (`agentctl stats`). */
  readonly stats: StatsOperations;
  /**
   * The backend's own checks for `agentctl doctor` (Kubernetes: namespace, permissions, whether
   * its nodes hold an agent of `agent`: the limits of one started with the config's defaults).
   */
  diagnose?(agent: { cpus: number; memoryBytes: number }): Promise<BackendCheck[]>;
}
