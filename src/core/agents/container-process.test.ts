import { describe, expect, it } from 'vitest';
import { createLocalProcessProbe, reapContainerProcesses } from './container-process.js';

const ID = 'c936d217f4c82802069a584f1702da2b8d5c621555c543cfe1cbec813f3175f6';

describe('createLocalProcessProbe', () => {
  it("is true only while the pid's cgroup names the container", async () => {
    const files: Record<string, string> = {
      '/proc/42/cgroup': `8:pids:/libpod_parent/libpod-${ID}\n`,
      '/proc/43/cgroup': '8:pids:/user.slice\n',
    };
    const probe = createLocalProcessProbe(async (path) => {
      if (path in files) return files[path]!;
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    });
    expect(await probe(42, ID)).toBe(true);
    expect(await probe(43, ID)).toBe(false); // the pid was reused by another process
    expect(await probe(44, ID)).toBe(false); // gone
    expect(await probe(0, ID)).toBe(false);
    expect(await probe(42, 'not-an-id')).toBe(false);
  });
});

describe('reapContainerProcesses', () => {
  const id = 'a'.repeat(64);
  const other = 'b'.repeat(64);
  // What this machine showed after Podman's service was killed during a start: conmon (parent 1)
  // naming the container, and its child `runc init` in the container's cgroup.
  const procs: Record<number, { cmdline: string; cgroup: string; stat: string }> = {
    100: {
      cmdline: ['/usr/bin/conmon', '--api-version', '1', '-c', id, '-u', id, '-n', 'agentctl-x'].join('\0'),
      cgroup: '1:name=systemd:/libpod_parent/conmon\n',
      stat: '100 (conmon) S 1 100 100 0',
    },
    101: {
      cmdline: '/usr/bin/runc\0init',
      cgroup: `8:pids:/libpod_parent/libpod-${id}\n`,
      stat: '101 (runc:[2:INIT]) S 100 1',
    },
    // Another container's conmon and init, and an unrelated process: untouched.
    200: {
      cmdline: ['/usr/bin/conmon', '-c', other].join('\0'),
      cgroup: '1:name=systemd:/',
      stat: '200 (conmon) S 1 200',
    },
    201: {
      cmdline: ['sleep', '600'].join('\0'),
      cgroup: `8:pids:/libpod_parent/libpod-${other}\n`,
      stat: '201 (sleep) S 200 1',
    },
    300: { cmdline: `vi\0${id}`, cgroup: '1:name=systemd:/user', stat: '300 (vi) S 1 300' },
  };
  const table = (killed: number[]) => ({
    listPids: async () => Object.keys(procs).map(Number),
    read: async (pid: number, file: 'cmdline' | 'cgroup' | 'stat') => procs[pid]?.[file],
    kill: (pid: number) => {
      killed.push(pid);
    },
  });

  it("kills the removed container's conmon and runc init, and nothing else", async () => {
    const killed: number[] = [];
    expect(await reapContainerProcesses(id, table(killed))).toEqual([100, 101]);
    expect(killed.sort()).toEqual([100, 101]);
  });

  it('does nothing for an id that is not a full container id', async () => {
    const killed: number[] = [];
    expect(await reapContainerProcesses('a'.repeat(12), table(killed))).toEqual([]);
    expect(killed).toEqual([]);
  });
});
