import { stat } from 'node:fs/promises';
import { UsageError } from '../../shared/errors.js';
import type { RuntimeCapabilities } from '../../runtime/container-runtime.js';

/** The non-root user of agentctl's images (and of any image when nothing better is known). */
export const IMAGE_USER = { uid: 1000, gid: 1000 };

export interface UserFacts {
  /** How the backend maps users when its engine runs rootless (the runtime's capability). */
  rootlessUsers: RuntimeCapabilities['rootlessUsers'];
  platform: NodeJS.Platform;
  /** The engine runs rootless (`name=rootless` in its security options, or Podman's `Rootless`). */
  rootless: boolean;
  /** agentctl's own uid/gid (undefined on Windows). */
  host?: { uid: number; gid: number };
  /** Owner of the workspace directory. */
  workspaceOwner?: { uid: number; gid: number };
  /** The workspace is bind-mounted from this machine (false: the backend clones it; default true). */
  bindMounts?: boolean;
}

export interface AgentUser {
  uid: number;
  gid: number;
  /** The backend maps the host user to the same uid inside (rootless Podman's keep-id). */
  keepHostIds?: boolean;
  /**
   * Who the agent is on this machine: the owner its files in the workspace get, and the identity
   * the kernel checks its access to bind-mounted files (workspace, ssh-agent socket) against.
   * Undefined when nothing of this machine is mounted (Kubernetes) or it is not known (Windows).
   */
  hostIdentity?: { uid: number; gid: number };
  /** Why this user, for --verbose. */
  reason: string;
}

/**
 * Who the agent runs as, so that files it writes in the workspace belong to the workspace's owner:
 * - a backend that clones the workspace (Kubernetes): no host file to own, so the image's user;
 * - rootless Podman: `keep-id` maps the host user to the same uid inside;
 * - rootless Docker: container uid 0 *is* the host user (the daemon's user namespace), so 0:0 —
 *   not privileged on the host, and the only uid whose files the user owns;
 * - a regular user: that user (never the workspace's owner: the engine must not let a user write
 *   what they could not write themselves);
 * - agentctl as root: the workspace's owner, uid 0 included. Every capability is dropped and
 *   no-new-privileges is set for every agent (agent-spec.ts), and root without CAP_DAC_OVERRIDE or
 *   CAP_FOWNER is held to file permissions like any user: it writes what uid 0 owns among what is
 *   mounted (its workspace, its own git repository and home), nothing it could not as the owner.
 */
export function decideAgentUser(facts: UserFacts): AgentUser {
  const host = facts.host;
  if (facts.bindMounts === false)
    return { ...IMAGE_USER, reason: 'the workspace is cloned in the cluster: the image user' };
  if (facts.rootlessUsers === 'keep-host-ids' && facts.rootless && host) {
    return {
      uid: host.uid,
      gid: host.gid,
      keepHostIds: true,
      hostIdentity: host,
      reason: 'rootless Podman: keep-id maps the host user',
    };
  }
  if (facts.rootlessUsers === 'root-is-host-user' && facts.rootless) {
    return {
      uid: 0,
      gid: 0,
      ...(host ? { hostIdentity: host } : {}),
      reason: 'rootless Docker: container root is the host user',
    };
  }
  if (!host) return { ...IMAGE_USER, reason: 'the host user is not known here: the image user' };
  if (host.uid !== 0) return { ...host, hostIdentity: host, reason: 'the host user' };
  const owner = facts.workspaceOwner ?? host;
  if (owner.uid !== 0) return { ...owner, hostIdentity: owner, reason: 'agentctl runs as root: the workspace owner' };
  return {
    ...owner,
    hostIdentity: owner,
    reason: 'agentctl runs as root on a root-owned workspace: root without any capability, held to file permissions',
  };
}

/** A file's owner and permission bits (fs.Stats has them). */
export interface FileAccess {
  uid: number;
  gid: number;
  mode: number;
}

/**
 * Whether `who` may do `wanted` (bits of 0o7: 4 read, 2 write, 1 execute/search) to a file, by its
 * owner, group and mode as the kernel checks them for a process without capabilities: the owner's
 * bits for its owner, else the group's for its group, else the others'. (ACLs are not read.)
 */
export function mayAccess(file: FileAccess, who: { uid: number; gid: number }, wanted: number): boolean {
  const bits =
    file.uid === who.uid ? (file.mode >> 6) & 7 : file.gid === who.gid ? (file.mode >> 3) & 7 : file.mode & 7;
  return (bits & wanted) === wanted;
}

function describeIdentity(who: { uid: number; gid: number }): string {
  return `uid ${who.uid}, gid ${who.gid}`;
}

function describeFile(file: FileAccess): string {
  return `owner ${file.uid}:${file.gid}, mode ${(file.mode & 0o7777).toString(8).padStart(4, '0')}`;
}

/**
 * Never a silently read-only workspace: the directory mounted at /workspace must let the agent
 * create files in it (write and search), else the start fails before anything is made.
 */
export function checkWorkspaceWritable(user: AgentUser, workspace: string, directory: FileAccess): void {
  const who = user.hostIdentity;
  if (!who || mayAccess(directory, who, 3)) return;
  throw new UsageError(
    'WORKSPACE_NOT_WRITABLE',
    `The agent (${describeIdentity(who)} on this machine) could not write the workspace ${workspace} (${describeFile(directory)})`,
    {
      hint:
        who.uid === 0
          ? `Give its owner write permission (\`chmod u+w ${workspace}\`), or start with --read-only`
          : `Run agentctl as the workspace's owner, make it writable for uid ${who.uid} (\`chown\` or \`chmod\`), or start with --read-only`,
      details: {
        workspace,
        uid: who.uid,
        gid: who.gid,
        owner: { uid: directory.uid, gid: directory.gid },
        mode: (directory.mode & 0o7777).toString(8),
      },
    },
  );
}

/**
 * `--ssh`: the forwarded socket keeps its owner and mode inside the container, so the agent's
 * identity must be allowed to connect to it (write permission on a unix socket).
 */
export function checkSshSocketUsable(user: AgentUser, socket: string, file: FileAccess): void {
  const who = user.hostIdentity;
  if (!who || mayAccess(file, who, 2)) return;
  throw new UsageError(
    'SSH_AGENT_UNUSABLE',
    `The agent (${describeIdentity(who)} on this machine) could not use the ssh-agent socket ${socket} (${describeFile(file)})`,
    {
      hint: `Use an ssh-agent that uid ${who.uid} owns (run agentctl as that user, with their SSH_AUTH_SOCK), or start without --ssh`,
      details: { socket, uid: who.uid, gid: who.gid, owner: { uid: file.uid, gid: file.gid } },
    },
  );
}

/**
 * Before the container is made: the agent can write the directory mounted at /workspace (unless
 * read-only) and connect to the forwarded ssh-agent socket. Throws WORKSPACE_NOT_WRITABLE or
 * SSH_AGENT_UNUSABLE (usage) with the fix.
 */
export async function checkAgentAccess(
  user: AgentUser,
  mounted: { workspace: string; readOnly: boolean; sshSocket?: string },
): Promise<void> {
  if (!user.hostIdentity) return;
  if (!mounted.readOnly) {
    const directory = await stat(mounted.workspace).catch(() => undefined);
    if (directory) checkWorkspaceWritable(user, mounted.workspace, directory);
  }
  if (mounted.sshSocket) {
    const socket = await stat(mounted.sshSocket).catch(() => undefined);
    if (socket) checkSshSocketUsable(user, mounted.sshSocket, socket);
  }
}
