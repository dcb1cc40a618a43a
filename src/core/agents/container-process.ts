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

export interface ProcessTable {
  listPids(): Promise<number[]>;
  /** `/proc/PID/<file>` as text, or undefined when the process is gone or unreadable. */
  read(pid: number, file: 'cmdline' | 'cgroup' | 'stat'): Promise<string | undefined>;
  kill(pid: number): void;
}

function localProcessTable(): ProcessTable {
  return {
    async listPids() {
      const { readdir } = await import('node:fs/promises');
      return (await readdir('/proc').catch(() => [] as string[])).filter((entry) => /^\d+$/.test(entry)).map(Number);
    },
    read: (pid, file) => fsReadFile(`/proc/${pid}/${file}`, 'utf8').catch(() => undefined),
    kill: (pid) => process.kill(pid, 'SIGKILL'),
  };
}

/**
 * Kills what a removed container left running on this machine, and returns the pids: Podman's
 * API service killed during `start` (after `runc create`, before `runc start`) leaves the
 * container's `conmon` (its command line names the container: `-c <id>`) and `runc init` (in the
 * container's cgroup, `libpod-<id>`) behind, and the restarted service removes the container
 * without knowing they exist. Only for a container agentctl made and has removed.
 */
export async function reapContainerProcesses(containerId: string, table: ProcessTable = localProcessTable()) {
  if (!/^[0-9a-f]{64}$/.test(containerId)) return [];
  const found = new Set<number>();
  const parents = new Map<number, number>();
  for (const pid of await table.listPids()) {
    if (pid === process.pid) continue;
    const argv = (await table.read(pid, 'cmdline'))?.split('\0') ?? [];
    const conmon =
      /(^|\/)conmon$/.test(argv[0] ?? '') && argv.some((arg, i) => arg === '-c' && argv[i + 1] === containerId);
    if (conmon || (await table.read(pid, 'cgroup'))?.includes(containerId)) found.add(pid);
    // ppid is the field after the command (in parentheses, which may hold spaces) and the state.
    const ppid = Number(/\) \S+ (\d+)/.exec((await table.read(pid, 'stat')) ?? '')?.[1]);
    if (ppid) parents.set(pid, ppid);
  }
  // The children of a conmon of that container (runc init before it joined the cgroup).
  for (const [pid, ppid] of parents) if (found.has(ppid)) found.add(pid);
  const killed: number[] = [];
  for (const pid of found) {
    try {
      table.kill(pid);
      killed.push(pid);
    } catch {
      // Gone meanwhile, or not ours to kill.
    }
  }
  return killed.sort((a, b) => a - b);
}
