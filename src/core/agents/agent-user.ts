import type { EngineKind } from '../../runtime/endpoint.js';

/** The non-root user of agentctl's images (and of any image when nothing better is known). */
export const IMAGE_USER = { uid: 1000, gid: 1000 };

export interface UserFacts {
  kind: EngineKind;
  platform: NodeJS.Platform;
  /** The engine runs rootless (`name=rootless` in its security options). */
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
  /** Podman user namespace mode (`keep-id` for rootless Podman). */
  usernsMode?: string;
  /** Why this user, for --verbose. */
  reason: string;
}

/**
 * Who the agent runs as, so that files it writes in the workspace belong to the host user and the
 * agent is never root:
 * - a backend that clones the workspace (Kubernetes): no host file to own, so the image's user;
 * - rootless Podman: `keep-id` maps the host user to the same uid inside;
 * - rootless Docker: container uid 0 *is* the host user (the daemon's user namespace), so 0:0 —
 *   not privileged on the host, and the only uid whose files the user owns;
 * - otherwise the host uid:gid; when agentctl itself runs as root, the workspace owner's; when the
 *   workspace is root's too, the image's non-root user (1000:1000) — never root.
 */
export function decideAgentUser(facts: UserFacts): AgentUser {
  const host = facts.host;
  if (facts.bindMounts === false) return { ...IMAGE_USER, reason: 'the workspace is cloned in the cluster: the image user' };
  if (facts.kind === 'podman' && facts.rootless && host) {
    return { uid: host.uid, gid: host.gid, usernsMode: 'keep-id', reason: 'rootless Podman: keep-id maps the host user' };
  }
  if (facts.kind === 'docker' && facts.rootless) {
    return { uid: 0, gid: 0, reason: 'rootless Docker: container root is the host user' };
  }
  if (host && host.uid !== 0) return { ...host, reason: 'the host user' };
  const owner = facts.workspaceOwner;
  if (owner && owner.uid !== 0) return { ...owner, reason: 'agentctl runs as root: the workspace owner' };
  return { ...IMAGE_USER, reason: 'agentctl runs as root on a root-owned workspace: the image user, never root' };
}
