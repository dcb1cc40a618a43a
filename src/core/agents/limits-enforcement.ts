import type { EngineInfo } from '../../runtime/engine-operations.js';

/**
 * Why the engine would not enforce an agent's CPU, memory and PID limits, or undefined when it
 * does. A rootless engine on cgroup v1 cannot delegate cgroups to the user: Podman accepts
 * `--cpus`, `--memory` and `--pids-limit` and silently applies none of them (rootless Docker
 * needs cgroup v2 too). agentctl says so (start warns, `ls` and `doctor` show it) instead of
 * listing limits nothing holds the agent to.
 */
export function getLimitsIgnoredReason(
  kind: string,
  info: Pick<EngineInfo, 'rootless' | 'cgroupVersion'>,
): string | undefined {
  // The engine's info says it (a cluster reports neither rootless nor a cgroup version); the kind
  // only names the engine in the words shown.
  if (info.rootless && info.cgroupVersion === '1')
    return `rootless ${kind === 'podman' ? 'Podman' : 'Docker'} on cgroup v1 cannot enforce CPU, memory and PID limits`;
  return undefined;
}
