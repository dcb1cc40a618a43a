import { joinPosix, socketEndpoint } from './socket-paths.js';
import type { DetectionStrategy } from './strategy.js';

/** OrbStack: ~/.orbstack/run/docker.sock (macOS). */
export const orbstackStrategy: DetectionStrategy = {
  name: 'orbstack',
  async candidates({ platform, homedir }) {
    if (platform !== 'darwin') return { endpoints: [] };
    return { endpoints: [socketEndpoint(joinPosix(homedir, '.orbstack', 'run', 'docker.sock'), 'orbstack', 'docker')] };
  },
};
