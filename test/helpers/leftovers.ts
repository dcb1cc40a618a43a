import Dockerode from 'dockerode';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a failed agentctl command could leave behind, as seen before and after it:
 * agentctl-labelled containers and volumes on the engine, worktrees and branches of test
 * repositories, and every entry under the private TMPDIR and data directory the CLI ran with.
 *
 * Other engineers run tests against the same engines at the same time, so engine objects count only
 * when they belong to this run: their name, or their workspace label, contains `scope` (every agent
 * name and workspace of a suite carries its random suffix). Repositories, TMPDIR and the data dir
 * are private to the suite and are compared in full.
 */
export interface LeftoverOptions {
  host: string;
  scope: string;
  /** Git repositories whose worktrees and branches must not change. */
  repos?: string[];
  /** Directories that must not gain entries (the CLI's TMPDIR, its data dir, its HOME). */
  dirs?: string[];
}

export interface LeftoverSnapshot {
  containers: string[];
  volumes: string[];
  git: string[];
  files: string[];
}

const MANAGED = 'io.agentctl.managed';

function listTree(dir: string, depth = 4): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (current: string, level: number) => {
    let entries: string[];
    try {
      entries = readdirSync(current);
    } catch {
      return; // A file (an unwritable data dir set up as a file) or unreadable: nothing below it.
    }
    for (const entry of entries) {
      const full = join(current, entry);
      out.push(full);
      if (level < depth && statSync(full, { throwIfNoEntry: false })?.isDirectory()) walk(full, level + 1);
    }
  };
  walk(dir, 0);
  return out.sort();
}

function gitState(repo: string): string[] {
  const run = (...args: string[]) =>
    execFileSync('git', ['-c', 'safe.directory=*', ...args], {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  const worktrees = run('worktree', 'list', '--porcelain')
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => `${repo} worktree ${line.slice(9)}`);
  const branches = run('for-each-ref', '--format=%(refname)', 'refs/heads')
    .split('\n')
    .filter(Boolean)
    .map((ref) => `${repo} ${ref}`);
  return [...worktrees, ...branches].sort();
}

export function leftoverTracker(options: LeftoverOptions) {
  const docker = new Dockerode({ socketPath: options.host.replace(/^unix:\/\//, '') });
  const ours = (name: string, labels: Record<string, string> | undefined) =>
    name.includes(options.scope) || (labels?.['io.agentctl.workspace'] ?? '').includes(options.scope);

  async function snapshot(): Promise<LeftoverSnapshot> {
    const containers = await docker.listContainers({ all: true, filters: { label: [MANAGED] } });
    const { Volumes } = await docker.listVolumes({ filters: { label: [MANAGED] } });
    // Engine objects named like ours but not labelled count too (a half-made container always is).
    const named = await docker.listContainers({ all: true, filters: { name: [options.scope] } });
    return {
      containers: [
        ...new Set(
          [...containers, ...named]
            .filter((c) => c.Names.some((n) => ours(n, c.Labels)))
            .map((c) => `${c.Names[0]} ${c.Id.slice(0, 12)}`),
        ),
      ].sort(),
      volumes: (Volumes ?? [])
        .filter((v) => ours(v.Name, v.Labels ?? undefined))
        .map((v) => v.Name)
        .sort(),
      git: (options.repos ?? []).flatMap(gitState),
      files: (options.dirs ?? []).flatMap((dir) => listTree(dir)),
    };
  }

  /** What `after` has that `before` had not (empty lists when nothing was left behind). */
  function added(before: LeftoverSnapshot, after: LeftoverSnapshot): LeftoverSnapshot {
    const diff = (a: string[], b: string[]) => b.filter((item) => !a.includes(item));
    return {
      containers: diff(before.containers, after.containers),
      volumes: diff(before.volumes, after.volumes),
      git: diff(before.git, after.git),
      files: diff(before.files, after.files),
    };
  }

  return {
    snapshot,
    added,
    /** Runs `action` between two snapshots and returns what it added (expect it toEqual NOTHING). */
    async around<T>(action: () => Promise<T>): Promise<{ result: T; added: LeftoverSnapshot }> {
      const before = await snapshot();
      const result = await action();
      return { result, added: added(before, await snapshot()) };
    },
  };
}

export const NOTHING: LeftoverSnapshot = { containers: [], volumes: [], git: [], files: [] };
