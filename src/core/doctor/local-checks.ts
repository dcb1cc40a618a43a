import { toAgentctlError } from '../../shared/errors.js';
import type { LoadedConfig } from '../../config/load-config.js';
import type { AgentUser } from '../agents/agent-user.js';
import { sshSocketUsableBy } from './agent-access-check.js';
import type { CheckResult, DoctorDeps } from './check.js';

/** Loads the configuration; its error (file, key, problem) is the check's message. */
export async function checkConfig(
  deps: Pick<DoctorDeps, 'config'>,
): Promise<{ result: CheckResult; config?: LoadedConfig }> {
  const base = { id: 'config', title: 'Configuration' } as const;
  try {
    const config = await deps.config();
    const files = [config.files.user, config.files.project].filter(Boolean) as string[];
    return {
      result: {
        ...base,
        status: 'ok',
        message: files.length ? `valid (${files.join(', ')})` : 'valid (defaults, no config file)',
        details: { files: config.files },
      },
      config,
    };
  } catch (error) {
    const typed = toAgentctlError(error);
    return {
      result: { ...base, status: 'fail', message: typed.message, fix: typed.hint, details: { code: typed.code } },
    };
  }
}

/** git is needed for worktrees (one branch per agent). */
export async function checkGit(deps: Pick<DoctorDeps, 'exec'>): Promise<CheckResult> {
  const base = { id: 'git', title: 'git' } as const;
  try {
    const { stdout } = await deps.exec('git', ['--version']);
    return { ...base, status: 'ok', message: stdout.trim() };
  } catch {
    return {
      ...base,
      status: 'fail',
      message: 'git was not found on PATH (needed for worktrees)',
      fix: 'Install git (e.g. `sudo apt-get install git`, `brew install git`) and rerun',
    };
  }
}

/** An ssh-agent is needed to forward SSH keys into agents (never the keys themselves). */
export async function checkSshAgent(deps: Pick<DoctorDeps, 'env' | 'fs'>, agentUser?: AgentUser): Promise<CheckResult> {
  const base = { id: 'ssh-agent', title: 'ssh-agent' } as const;
  const socket = deps.env.SSH_AUTH_SOCK;
  const fix = 'Start one and add your key: `eval "$(ssh-agent)" && ssh-add` (only needed for SSH forwarding)';
  if (!socket)
    return { ...base, status: 'warn', message: 'SSH_AUTH_SOCK is not set: SSH forwarding is unavailable', fix };
  const stat = await deps.fs.stat(socket);
  if (!stat?.isSocket)
    return { ...base, status: 'warn', message: `SSH_AUTH_SOCK points at ${socket}, which is not a socket`, fix };
  // The socket keeps its owner and mode inside the container: `start --ssh` refuses one the agent cannot use.
  if (!sshSocketUsableBy(agentUser, stat)) {
    const who = agentUser!.hostIdentity!;
    return {
      ...base,
      status: 'warn',
      message: `agent socket at ${socket} (owner ${stat.uid}, mode ${(stat.mode & 0o777).toString(8)}) is not usable by agents started here (uid ${who.uid}): --ssh would be refused`,
      fix: `Use the ssh-agent of uid ${who.uid} (run agentctl as that user), or start without --ssh`,
    };
  }
  return { ...base, status: 'ok', message: `agent socket at ${socket}` };
}
