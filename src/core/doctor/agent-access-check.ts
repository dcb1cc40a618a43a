import { checkWorkspaceWritable, decideAgentUser, mayAccess, type AgentUser } from '../agents/agent-user.js';
import { getLimitsIgnoredReason } from '../agents/limits-enforcement.js';
import { isAgentctlError } from '../../shared/errors.js';
import type { CheckResult, DoctorDeps, EngineFacts } from './check.js';

/** Who an agent started in the current directory would be (as `start` decides it), or undefined. */
export async function getAgentUserHere(
  facts: EngineFacts,
  deps: Pick<DoctorDeps, 'cwd' | 'hostUser' | 'platform' | 'fs'>,
): Promise<AgentUser | undefined> {
  const runtime = facts.connected?.runtime;
  if (!runtime || !facts.info || !deps.cwd) return undefined;
  const owner = await deps.fs.stat(deps.cwd);
  return decideAgentUser({
    rootlessUsers: runtime.capabilities.rootlessUsers,
    platform: deps.platform,
    rootless: facts.info.rootless,
    ...(deps.hostUser ? { host: deps.hostUser } : {}),
    ...(owner ? { workspaceOwner: { uid: owner.uid, gid: owner.gid } } : {}),
    bindMounts: runtime.capabilities.bindMounts,
  });
}

/** An agent started here (the default workspace) could write it: `start` refuses otherwise. */
export async function checkWorkspaceAccess(
  user: AgentUser | undefined,
  deps: Pick<DoctorDeps, 'cwd' | 'fs'>,
): Promise<CheckResult> {
  const base = { id: 'workspace', title: 'Workspace access' } as const;
  const directory = deps.cwd ? await deps.fs.stat(deps.cwd) : undefined;
  if (!user || !deps.cwd || !directory)
    return { ...base, status: 'skip', message: 'not checked (no engine, or the current directory cannot be examined)' };
  const who = user.hostIdentity;
  if (!who)
    return {
      ...base,
      status: 'skip',
      message: `agents run as ${user.uid}:${user.gid} (${user.reason}); nothing of this machine is mounted`,
    };
  const details = {
    workspace: deps.cwd,
    user: `${user.uid}:${user.gid}`,
    ...(user.keepHostIds ? { userns: 'keep-id' } : {}),
    hostIdentity: who,
  };
  try {
    checkWorkspaceWritable(user, deps.cwd, directory);
  } catch (error) {
    if (!isAgentctlError(error)) throw error;
    // A warning: the current directory need not be the workspace one means to use.
    return {
      ...base,
      status: 'warn',
      message: `an agent started here would be refused: ${error.message}`,
      ...(error.hint ? { fix: error.hint } : {}),
      details,
    };
  }
  return {
    ...base,
    status: 'ok',
    message: `agents started here run as ${user.uid}:${user.gid}${user.keepHostIds ? ' (userns keep-id)' : ''} and can write ${deps.cwd} (${user.reason})`,
    details,
  };
}

/** The engine holds agents to their CPU, memory and PID limits (rootless on cgroup v1 does not). */
export function checkLimits(facts: EngineFacts): CheckResult {
  const base = { id: 'limits', title: 'Resource limits' } as const;
  const runtime = facts.connected?.runtime;
  if (!runtime || !facts.info) return { ...base, status: 'skip', message: 'not checked (no engine)' };
  const ignored = getLimitsIgnoredReason(runtime.kind, facts.info);
  if (ignored) {
    return {
      ...base,
      status: 'warn',
      message: `ignored: ${ignored} (--cpus, --memory and --pids-limit are accepted and not applied)`,
      fix: 'Boot the host with cgroup v2 (systemd.unified_cgroup_hierarchy=1) or use a rootful engine',
      details: { enforced: false, rootless: facts.info.rootless, cgroupVersion: facts.info.cgroupVersion ?? null },
    };
  }
  return {
    ...base,
    status: 'ok',
    message: `enforced by the engine${facts.info.cgroupVersion ? ` (cgroup v${facts.info.cgroupVersion})` : ''}`,
    details: { enforced: true, cgroupVersion: facts.info.cgroupVersion ?? null },
  };
}

/** For the ssh-agent check: whether an agent with this identity may connect to the socket. */
export function sshSocketUsableBy(
  user: AgentUser | undefined,
  socket: { uid: number; gid: number; mode: number },
): boolean {
  return !user?.hostIdentity || mayAccess(socket, user.hostIdentity, 2);
}
