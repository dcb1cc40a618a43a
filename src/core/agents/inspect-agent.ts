import type { PublishedPort } from '../../runtime/agent-spec.js';
import type { ContainerOperations } from '../../runtime/container-operations.js';
import { NotFoundError } from '../../shared/errors.js';
import { getUserLabels, LABELS } from '../../shared/labels.js';
import { getSecretNames, lookupAgentContainer } from './agent-lookup.js';
import { toListing, type AgentListing } from './list-agents.js';
import { findLoosenings, type Loosening } from './loosenings.js';

/**
 * An agent as agentctl sees it (`agentctl inspect`): what `ls` lists, plus its configuration in the
 * spec's terms. Names of secrets and environment variables only, never a value.
 */
export interface AgentInspection extends Omit<AgentListing, 'id' | 'worktree'> {
  /** The container's full id. */
  id: string;
  running: boolean;
  imageDigest: string | null;
  imageSource: string | null;
  /** The commit its branch started at, the checkout it came from, its worktree. */
  base: string | null;
  repository: string | null;
  worktree: string | null;
  command: string[] | null;
  user: string;
  tty: boolean;
  network: string;
  mounts: { source: string; target: string; readOnly: boolean }[];
  /** Its published ports: while it runs the engine's bindings, else those it was made with (`agentctl port`). */
  ports: PublishedPort[];
  addCapabilities: string[];
  ociRuntime: string | null;
  /** Everything that gives it more than the hardened default. */
  loosened: Loosening[];
  /** The names of its secrets (files under /run/secrets). */
  secrets: string[];
  /** The names of its environment variables (values can hold credentials: never shown). */
  environment: string[];
  /** The labels given with `start --label` (without agentctl's namespace). */
  labels: Record<string, string>;
  /** The agentctl version that created it. */
  createdBy: string | null;
}

export type InspectRuntime = Pick<ContainerOperations, 'inspectContainer' | 'listContainers' | 'fetchOciRuntime'>;

/** Agent `name` as agentctl sees it; AGENT_NOT_FOUND (exit 7) when there is none. */
export async function inspectAgent(
  deps: { runtime: InspectRuntime; now?: () => number },
  name: string,
): Promise<AgentInspection> {
  const found = await lookupAgentContainer(deps.runtime, name);
  const details = found && (await deps.runtime.inspectContainer(found.id));
  if (!details)
    throw new NotFoundError('AGENT_NOT_FOUND', `No agent named ${name}`, {
      hint: 'Run `agentctl ls --all` to see your agents, or `agentctl start` to create one',
      details: { agents: [name] },
    });
  const listing = toListing(details, (deps.now ?? Date.now)());
  const labels = details.labels;
  const ociRuntime = await deps.runtime.fetchOciRuntime(details.id).catch(() => undefined);
  const { worktree: _worktree, id: _shortId, ...listed } = listing;
  return {
    ...listed,
    id: details.id,
    running: details.running,
    imageDigest: labels[LABELS.imageDigest] ?? null,
    imageSource: labels[LABELS.imageSource] ?? null,
    base: labels[LABELS.base] ?? null,
    repository: labels[LABELS.repository] ?? null,
    worktree: labels[LABELS.worktree] ?? null,
    command: details.spec.command ?? null,
    user: details.user,
    tty: details.tty,
    network: details.spec.network || 'default',
    mounts: details.spec.mounts,
    ports: details.running ? (details.boundPorts ?? []) : (details.spec.ports ?? []),
    addCapabilities: details.spec.addCapabilities,
    ociRuntime: ociRuntime ?? null,
    loosened: findLoosenings(details.spec),
    secrets: getSecretNames(details.env),
    environment: [...new Set(details.env.map((entry) => entry.split('=')[0]!))].sort(),
    labels: getUserLabels(labels),
    createdBy: labels[LABELS.cliVersion] ?? null,
  };
}
