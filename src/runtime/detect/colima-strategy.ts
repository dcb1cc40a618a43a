import { joinPosix, listDirectory, socketEndpoint } from './socket-paths.js';
import type { DetectionStrategy } from './strategy.js';

/** Colima: ~/.colima/<profile>/docker.sock for each profile, "default" first ($COLIMA_HOME moves ~/.colima). */
export const colimaStrategy: DetectionStrategy = {
  name: 'colima',
  async candidates(environment) {
    if (environment.platform === 'win32') return { endpoints: [] };
    const home = environment.env.COLIMA_HOME || joinPosix(environment.homedir, '.colima');
    const profiles = (await listDirectory(environment, home)).filter(
      (entry) => !entry.startsWith('_') && !entry.startsWith('.'),
    );
    const ordered = ['default', ...profiles.filter((p) => p !== 'default')];
    return {
      endpoints: ordered.map((profile) =>
        socketEndpoint(joinPosix(home, profile, 'docker.sock'), `colima ${profile}`, 'docker'),
      ),
    };
  },
};
