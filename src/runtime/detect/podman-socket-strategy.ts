import type { Endpoint } from '../endpoint.js';
import { joinPosix, listDirectory, runtimeDir, socketEndpoint } from './socket-paths.js';
import type { DetectionEnvironment, DetectionStrategy } from './strategy.js';

const DEFAULT_MACHINE = 'podman-machine-default';

/**
 * Podman's API sockets: rootless `$XDG_RUNTIME_DIR/podman/podman.sock`, rootful
 * `/run/podman/podman.sock`, and on macOS the sockets a Podman machine exposes on the host.
 */
export const podmanSocketStrategy: DetectionStrategy = {
  name: 'podman',
  async candidates(environment) {
    if (environment.platform === 'win32')
      return { endpoints: [], skipped: 'Podman machines on Windows use named pipes (see default-socket)' };
    if (environment.platform === 'darwin') return { endpoints: await machineSockets(environment) };
    const endpoints: Endpoint[] = [];
    const dir = runtimeDir(environment);
    if (dir) endpoints.push(socketEndpoint(joinPosix(dir, 'podman', 'podman.sock'), 'podman rootless', 'podman'));
    endpoints.push(socketEndpoint('/run/podman/podman.sock', 'podman rootful', 'podman'));
    return { endpoints };
  },
};

/**
 * Podman 5 puts a machine's API socket at $TMPDIR/podman/<machine>-api.sock; Podman 4 at
 * ~/.local/share/containers/podman/machine/<machine or provider>/podman.sock.
 */
async function machineSockets(environment: DetectionEnvironment): Promise<Endpoint[]> {
  const { env, homedir } = environment;
  const configHome = env.XDG_CONFIG_HOME || joinPosix(homedir, '.config');
  const dataHome = env.XDG_DATA_HOME || joinPosix(homedir, '.local', 'share');
  const machineConfigDir = joinPosix(configHome, 'containers', 'podman', 'machine');
  const names = new Set<string>([DEFAULT_MACHINE]);
  for (const provider of await listDirectory(environment, machineConfigDir)) {
    for (const file of await listDirectory(environment, joinPosix(machineConfigDir, provider))) {
      if (file.endsWith('.json')) names.add(file.slice(0, -'.json'.length));
    }
  }
  const paths: string[] = [];
  const tmp = (env.TMPDIR || '/tmp').replace(/\/+$/, '');
  for (const name of names) paths.push(joinPosix(tmp, 'podman', `${name}-api.sock`));
  const dataDir = joinPosix(dataHome, 'containers', 'podman', 'machine');
  for (const entry of await listDirectory(environment, dataDir)) paths.push(joinPosix(dataDir, entry, 'podman.sock'));
  paths.push(joinPosix(dataDir, DEFAULT_MACHINE, 'podman.sock'), joinPosix(dataDir, 'podman.sock'));
  return [...new Set(paths)].map((p) => socketEndpoint(p, 'podman machine', 'podman'));
}
