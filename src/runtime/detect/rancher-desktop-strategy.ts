import { joinPosix, socketEndpoint } from './socket-paths.js';
import type { DetectionStrategy } from './strategy.js';

/** Rancher Desktop (moby engine): ~/.rd/docker.sock (macOS and Linux). */
export const rancherDesktopStrategy: DetectionStrategy = {
  name: 'rancher-desktop',
  async candidates({ platform, homedir }) {
    if (platform === 'win32') return { endpoints: [] };
    return { endpoints: [socketEndpoint(joinPosix(homedir, '.rd', 'docker.sock'), 'rancher-desktop', 'docker')] };
  },
};
