import { joinPosix, runtimeDir, socketEndpoint } from './socket-paths.js';
import type { DetectionStrategy } from './strategy.js';

/** Rootless dockerd: $XDG_RUNTIME_DIR/docker.sock (Linux). */
export const rootlessDockerStrategy: DetectionStrategy = {
  name: 'rootless-docker',
  async candidates(environment) {
    if (environment.platform !== 'linux') return { endpoints: [] };
    const dir = runtimeDir(environment);
    if (!dir) return { endpoints: [], skipped: 'XDG_RUNTIME_DIR is not set' };
    return { endpoints: [socketEndpoint(joinPosix(dir, 'docker.sock'), 'rootless-docker', 'docker')] };
  },
};
