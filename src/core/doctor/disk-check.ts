import path from 'node:path';
import { parseEndpoint } from '../../runtime/endpoint.js';
import type { CheckResult, DoctorDeps, EngineFacts } from './check.js';

const GB = 1024 ** 3;
export const DISK_WARN_BYTES = 5 * GB;
export const DISK_FAIL_BYTES = 1 * GB;

/** Free space on the filesystem where the engine keeps images, when that is on this machine. */
export async function checkDisk(facts: EngineFacts, deps: Pick<DoctorDeps, 'fs' | 'hostname'>): Promise<CheckResult> {
  const base = { id: 'disk', title: 'Free disk space' } as const;
  const info = facts.info;
  if (!facts.connected || !info?.storageRoot)
    return { ...base, status: 'skip', message: 'not checked without an engine' };
  const { protocol } = parseEndpoint(facts.connected.runtime.endpoint.url);
  // An engine in a VM (Docker Desktop, Colima, Podman machine) or on another host names itself differently.
  if (protocol !== 'unix' || info.name !== deps.hostname) {
    return {
      ...base,
      status: 'skip',
      message: `images live on "${info.name || 'the engine host'}", not on this machine; check there with \`docker system df\``,
      details: { storageRoot: info.storageRoot },
    };
  }
  // The root may be closed to this user (/var/lib/docker is 0710): the nearest open parent is on the same disk as a rule.
  let target = info.storageRoot;
  let free: number | undefined;
  for (;;) {
    try {
      free = await deps.fs.freeBytes(target);
      break;
    } catch {
      const parent = path.posix.dirname(target);
      if (parent === target) break;
      target = parent;
    }
  }
  if (free === undefined)
    return { ...base, status: 'skip', message: `could not read free space at ${info.storageRoot}` };
  const details = { storageRoot: info.storageRoot, measuredAt: target, freeBytes: free };
  const human = `${(free / GB).toFixed(1)} GB free at ${info.storageRoot}`;
  const fix = `Free space: \`${facts.connected.runtime.kind} system prune\``;
  if (free < DISK_FAIL_BYTES)
    return { ...base, status: 'fail', message: `${human} (under 1 GB: pulls and builds will fail)`, fix, details };
  if (free < DISK_WARN_BYTES)
    return { ...base, status: 'warn', message: `${human} (under 5 GB: an agent image needs about 1 GB)`, fix, details };
  return { ...base, status: 'ok', message: human, details };
}
