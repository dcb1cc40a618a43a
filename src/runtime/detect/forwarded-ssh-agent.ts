/**
 * Where the engine sees the host's ssh-agent, when that is not the host's own SSH_AUTH_SOCK: on
 * macOS the engine runs in a VM, and Docker Desktop forwards the host's agent at a fixed path inside
 * it. Undefined where the engine shares the host's file system (the agent's socket is mounted as is).
 */
export function forwardedSshAgentSocket(platform: NodeJS.Platform): string | undefined {
  return platform === 'darwin' ? DOCKER_DESKTOP_SSH_SOCKET : undefined;
}

/** Docker Desktop for Mac's forward of the host's ssh-agent, inside its VM. */
export const DOCKER_DESKTOP_SSH_SOCKET = '/run/host-services/ssh-auth.sock';
