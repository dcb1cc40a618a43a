import type Dockerode from 'dockerode';
import { fromPortBindings, toSpecFacts } from './docker-create-body.js';
import type { ContainerDetails, ContainerState, ContainerSummary, LabelFilter } from './container-operations.js';

/**
 * The engine's container list and inspect documents in the seam's terms, shared by the dockerode
 * operations and the small JSON client that listing uses (engine-json-containers.ts).
 */

export function labelFilters(labels: LabelFilter): string[] {
  return Object.entries(labels).map(([key, value]) => (value === true ? key : `${key}=${value}`));
}

/**
 * Whether labels match every filter. The engine filters too, but Podman 4.3 combines several label
 * filters on volumes with OR, so every answer is checked again here
 * (https://github.com/containers/podman/issues/19219, fixed in Podman 4.6).
 */
export function matchesLabels(labels: Record<string, string>, filter: LabelFilter): boolean {
  return Object.entries(filter).every(([key, value]) => (value === true ? key in labels : labels[key] === value));
}

function toState(value: string | undefined): ContainerState {
  const state = (value ?? 'unknown').toLowerCase();
  // Podman reports a never-started container as "configured" through some paths, and one whose
  // stop is under way (its process still running) as "stopping".
  return (
    [
      'created',
      'running',
      'paused',
      'restarting',
      'removing',
      'exited',
      'dead',
      'stopped',
      'configured',
      'stopping',
    ].includes(state)
      ? state
      : 'unknown'
  ) as ContainerState;
}

/** The engine's container list as summaries, keeping only those matching every label filter. */
export function toSummaries(list: Dockerode.ContainerInfo[], labels: LabelFilter): ContainerSummary[] {
  return list
    .filter((item) => matchesLabels(item.Labels ?? {}, labels))
    .map((item): ContainerSummary => ({
      id: item.Id,
      name: (item.Names?.[0] ?? '').replace(/^\//, ''),
      state: toState(item.State),
      labels: item.Labels ?? {},
      image: item.Image,
    }));
}

export function toDetails(info: Dockerode.ContainerInspectInfo): ContainerDetails {
  const state = info.State as Dockerode.ContainerInspectInfo['State'] & {
    Health?: { Status?: string; FailingStreak?: number };
  };
  const healthcheck = (info.Config as { Healthcheck?: { Retries?: number } }).Healthcheck;
  const host = info.HostConfig as { NanoCpus?: number; Memory?: number; PidsLimit?: number | null };
  const never = (time?: string) => !time || time.startsWith('0001-');
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    state: toState(state.Status),
    labels: info.Config.Labels ?? {},
    image: info.Config.Image,
    running: state.Running,
    startedAt: never(state.StartedAt) ? undefined : state.StartedAt,
    finishedAt: never(state.FinishedAt) ? undefined : state.FinishedAt,
    exitCode: state.ExitCode,
    ...(state.OOMKilled ? { oomKilled: true } : {}),
    ...(state.Pid > 0 ? { pid: state.Pid } : {}),
    health: state.Health?.Status || undefined,
    ...(state.Health?.Status
      ? { healthStreak: { failing: state.Health.FailingStreak ?? 0, retries: healthcheck?.Retries ?? 0 } }
      : {}),
    user: info.Config.User ?? '',
    env: info.Config.Env ?? [],
    tty: info.Config.Tty,
    openStdin: Boolean(info.Config.OpenStdin),
    hostConfig: { nanoCpus: host.NanoCpus ?? 0, memory: host.Memory ?? 0, pidsLimit: host.PidsLimit ?? 0 },
    ...(state.Running
      ? { boundPorts: fromPortBindings(info.NetworkSettings?.Ports as never).filter((port) => port.hostPort > 0) }
      : {}),
    ...(state.Running ? { networkAddresses: networkAddresses(info) } : {}),
    spec: toSpecFacts(info),
    raw: info,
  };
}

function networkAddresses(info: Dockerode.ContainerInspectInfo): Record<string, string> {
  const addresses: Record<string, string> = {};
  for (const [name, network] of Object.entries(info.NetworkSettings?.Networks ?? {}))
    if (network?.IPAddress) addresses[name] = network.IPAddress;
  return addresses;
}
