import { readFile as fsReadFile } from 'node:fs/promises';

/**
 * Whether process `pid` on this host is still the main process of container `id`: its cgroup path
 * names the container (Docker's `docker/<id>`, Podman's `libpod-<id>`). Only meaningful where the
 * engine runs on this machine (a unix socket); a pid that is gone, reused by another process or
 * in another PID namespace answers false.
 */
export type ProcessProbe = (pid: number, containerId: string) => Promise<boolean>;

export function createLocalProcessProbe(
  readFile: (path: string, encoding: 'utf8') => Promise<string> = fsReadFile,
): ProcessProbe {
  return async (pid, containerId) => {
    if (!Number.isInteger(pid) || pid <= 0 || !/^[0-9a-f]{12,64}$/.test(containerId)) return false;
    try {
      return (await readFile(`/proc/${pid}/cgroup`, 'utf8')).includes(containerId);
    } catch {
      return false;
    }
  };
}
