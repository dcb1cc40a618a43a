import type { DetectionStrategy } from './strategy.js';

/** The system-wide Docker socket (and the Windows named pipes). */
export const defaultSocketStrategy: DetectionStrategy = {
  name: 'default-socket',
  async candidates({ platform }) {
    if (platform === 'win32') {
      return {
        endpoints: [
          { url: 'npipe:////./pipe/docker_engine', source: 'default-socket' },
          { url: 'npipe:////./pipe/podman-machine-default', source: 'default-socket', expectedKind: 'podman' },
        ],
      };
    }
    return { endpoints: [{ url: 'unix:///var/run/docker.sock', source: 'default-socket' }] };
  },
};
