import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, isAgentctlError } from '../../shared/errors.js';
import type { AgentMount } from '../../runtime/agent-spec.js';
import { ENGINE_SOCKET_PATH, HOME_PATH, SSH_SOCKET_PATH, WORKSPACE_PATH } from './agent-spec.js';
import { SECRETS_DIR } from './secrets.js';
import { RESUME_REQUEST_DIR } from './session-resume.js';
import { checkWorkspaceSafety, type WorkspaceSafetyDeps } from './workspace-safety.js';

/** `--mount SRC:DST[:ro|rw]` as written, before the host is asked anything. */
export interface MountRequest {
  source: string;
  target: string;
  readOnly: boolean;
}

/** Where agentctl puts its own things in the agent: a --mount may not cover or replace them. */
const RESERVED_TARGETS = [
  WORKSPACE_PATH,
  HOME_PATH,
  SECRETS_DIR,
  RESUME_REQUEST_DIR,
  '/run/agentctl',
  SSH_SOCKET_PATH,
  ENGINE_SOCKET_PATH,
];

function invalid(value: string, why: string): UsageError {
  return new UsageError('INVALID_MOUNT', `Invalid --mount ${value}: ${why}`, {
    hint: 'Give --mount SRC:DST[:ro|rw] with DST an absolute path in the agent, e.g. --mount ~/datasets:/data (read-only unless :rw)',
  });
}

/** `SRC:DST[:ro|rw]`: read-only unless `:rw` is written. */
export function parseMount(value: string): MountRequest {
  const parts = value.split(':');
  let mode = 'ro';
  if (parts.length === 3) mode = parts.pop()!;
  if (parts.length !== 2) throw invalid(value, 'write SRC:DST or SRC:DST:ro|rw (paths cannot hold ":")');
  if (mode !== 'ro' && mode !== 'rw') throw invalid(value, `the mode "${mode}" is not ro or rw`);
  const [source = '', target = ''] = parts;
  if (source === '') throw invalid(value, 'the host path is empty');
  if (!path.posix.isAbsolute(target)) throw invalid(value, `the path in the agent "${target}" is not absolute`);
  if (source.includes(',') || target.includes(',')) throw invalid(value, 'paths cannot hold ","');
  const normal = path.posix.normalize(target).replace(/(.)\/$/, '$1');
  if (normal === '/') throw invalid(value, "it cannot replace the agent's whole filesystem (/)");
  for (const reserved of RESERVED_TARGETS) {
    if (normal === reserved || normal.startsWith(`${reserved}/`) || reserved.startsWith(`${normal}/`))
      throw invalid(value, `${normal} would cover ${reserved}, which agentctl gives the agent itself`);
  }
  return { source, target: normal, readOnly: mode === 'ro' };
}

export interface UserMountDeps extends WorkspaceSafetyDeps {
  cwd: string;
}

function refused(value: string, why: string, hint: string): UsageError {
  return new UsageError('MOUNT_REFUSED', `--mount ${value}: ${why}, which agentctl does not mount`, { hint });
}

/** Whether `dir` or a directory up to `depth` levels below it holds a `.git` (a checkout: its hooks run on the host). */
async function findGitDir(dir: string, depth: number): Promise<string | undefined> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  if (entries.some((entry) => entry.name === '.git')) return path.join(dir, '.git');
  if (depth === 0) return undefined;
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === 'node_modules') continue;
    const found = await findGitDir(path.join(dir, entry.name), depth - 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * The host paths of `--mount`, held to the workspace's rules (workspace-safety.ts: never the
 * filesystem root, a system or home directory, agentctl's data, the engines' state or sockets, or
 * anything holding credentials; `--allow-unsafe-workspace` does not lift this for a mount), and
 * never a git directory; a read-write mount never holds a checkout (the agent could plant a hook
 * that runs when you next use git there: mount it `:ro`, or give the agent its own `--worktree`).
 */
export async function resolveUserMounts(
  deps: UserMountDeps,
  values: readonly string[],
  extra: { path: string; what: string }[] = [],
): Promise<AgentMount[]> {
  const mounts: AgentMount[] = [];
  const targets = new Set<string>();
  for (const value of values) {
    const request = parseMount(value);
    if (targets.has(request.target)) throw invalid(value, `${request.target} is mounted twice`);
    targets.add(request.target);
    const home = deps.homedir;
    const given = path.resolve(deps.cwd, request.source.replace(/^~(?=$|\/)/, home));
    await stat(given).catch(() => {
      throw invalid(value, `the host path ${given} does not exist`);
    });
    const real = await realpath(given);
    const verdict = await checkWorkspaceSafety(deps, real, false, extra).catch((error: unknown) => {
      if (!isAgentctlError(error)) throw error;
      const details = (error.details ?? {}) as { refused?: string; reason?: string };
      // The workspace check's own words ("lies inside /etc (a system directory)"), said of the mount.
      return Promise.reject(
        new UsageError('MOUNT_REFUSED', error.message.replace(/^The workspace /, `--mount ${value}: `), {
          hint: 'Mount a project directory or file that holds no credentials, engine state or agentctl data (--allow-unsafe-workspace does not apply to --mount)',
          details: { source: real, refused: details.refused, reason: details.reason },
        }),
      );
    });
    if (real.split(path.sep).includes('.git'))
      throw refused(
        value,
        `${real} is inside a git directory`,
        "Mount the files the agent needs, not a repository's .git",
      );
    if (!request.readOnly && (await lstat(real)).isDirectory()) {
      const gitDir = await findGitDir(real, 2);
      if (gitDir)
        throw refused(
          value,
          `${real} holds a git checkout (${gitDir}) and would be writable`,
          `Mount it read-only (${request.source}:${request.target}:ro), or start the agent on that repository with --worktree`,
        );
    }
    mounts.push({
      kind: 'host',
      source: verdict.path,
      target: request.target,
      readOnly: request.readOnly,
      relabel: false,
    });
  }
  return mounts;
}
