import type { DetectionEnvironment } from './strategy.js';

const ROOTFUL_SOCKET = '/run/podman/podman.sock';

/**
 * How to start the Podman API service the user needs: root's (rootful Podman, a system unit
 * serving /run/podman/podman.sock) when agentctl runs as root or the socket tried was root's,
 * otherwise the user's own (`systemctl --user`, $XDG_RUNTIME_DIR/podman/podman.sock). Without
 * systemd, `podman system service` does the same.
 */
export function podmanServiceHint(environment: Pick<DetectionEnvironment, 'uid'>, endpoints: string[] = []): string {
  // That socket itself, not any path ending like it (a user's `$XDG_RUNTIME_DIR` may end in `/run`).
  const rootful =
    environment.uid === 0 || endpoints.some((endpoint) => endpoint.replace(/^unix:\/\//, '') === ROOTFUL_SOCKET);
  if (!rootful)
    return '`systemctl --user enable --now podman.socket`, or `podman system service --time=0 &` without systemd';
  const sudo = environment.uid === 0 ? '' : 'sudo ';
  return `\`${sudo}systemctl enable --now podman.socket\`, or \`${sudo}podman system service --time=0 unix://${ROOTFUL_SOCKET} &\` without systemd`;
}
