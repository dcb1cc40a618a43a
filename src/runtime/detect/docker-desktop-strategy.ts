import { joinPosix, socketEndpoint } from './socket-paths.js';
import type { DetectionStrategy } from './strategy.js';

/** Docker Desktop's per-user socket: ~/.docker/run/docker.sock (macOS), ~/.docker/desktop/docker.sock (Linux). */
export const dockerDesktopStrategy: DetectionStrategy = {
  name: 'docker-desktop',
  async candidates({ platform, homedir }) {
    if (platform === 'win32') return { endpoints: [] };
    const paths =
      platform === 'darwin'
        ? [joinPosix(homedir, '.docker', 'run', 'docker.sock')]
        : [joinPosix(homedir, '.docker', 'desktop', 'docker.sock')];
    return { endpoints: paths.map((p) => socketEndpoint(p, 'docker-desktop', 'docker')) };
  },
};
