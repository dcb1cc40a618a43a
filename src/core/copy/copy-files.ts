import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, NotFoundError, UsageError } from '../../shared/errors.js';
import type { ArchiveOperations } from '../../runtime/archive-operations.js';
import { lookupAgents, type LookupRuntime } from '../agents/agent-lookup.js';
import { parseCopyArguments, resolveAgentPath, type CopyEndpoint } from './copy-paths.js';
import { extractToHost, type CopyCounts, type HostOwner, type HostPlacement } from './extract-to-host.js';
import { packFromHost, type ArchiveOwner } from './pack-from-host.js';

export interface CopyDeps {
  runtime: LookupRuntime & { readonly archive: ArchiveOperations };
  cwd: string;
  /** agentctl's own uid/gid: as root, files copied out get the destination directory's owner. */
  processUser?: { uid: number; gid: number };
  platform?: NodeJS.Platform;
  signal?: AbortSignal;
}

export interface CopyResult extends CopyCounts {
  direction: 'from-agent' | 'to-agent';
  agent: string;
  /** Absolute paths: on this machine, and inside the agent. */
  source: string;
  destination: string;
}

/**
 * `agentctl cp SRC DEST` in either direction, as `docker cp` does it (a directory is copied with
 * everything in it; `DIR/.` copies what is in it; a missing destination is created), through the
 * engine's archive API (nothing runs in the agent). Out of an agent, nothing is written through a
 * symbolic link at or below the destination (extractToHost); into an agent, host links are copied
 * as links and never followed, and the files belong to the agent's user.
 */
export async function copyBetween(deps: CopyDeps, source: string, destination: string): Promise<CopyResult> {
  const { source: from, destination: to } = parseCopyArguments(source, destination, deps.platform);
  if (from.kind === 'agent' && to.kind === 'host') return copyFromAgent(deps, from, to.path);
  if (from.kind === 'host' && to.kind === 'agent') return copyToAgent(deps, from.path, to);
  throw new Error('unreachable: parseCopyArguments returns one agent side');
}

function destinationNotFound(at: string, why: string): NotFoundError {
  return new NotFoundError('CP_DESTINATION_NOT_FOUND', `Cannot copy to ${at}: ${why}`, {
    hint: 'Create the directory first (`mkdir -p DIR`), or copy to one that exists',
    details: { path: at },
  });
}

function linkAtDestination(at: string, where: string): ConflictError {
  return new ConflictError(
    'CP_DESTINATION_LINK',
    `${at} ${where} is a symbolic link: agentctl cp never writes through one`,
    {
      hint: 'Copy to the directory the link points to, or remove the link if you mean to replace it',
      details: { path: at },
    },
  );
}

function kindMismatch(at: string, where: string): ConflictError {
  return new ConflictError(
    'CP_KIND_MISMATCH',
    `Cannot copy a directory onto ${at} ${where}, which is not a directory`,
    {
      hint: 'Copy to a directory (or a path that does not exist yet)',
      details: { path: at },
    },
  );
}

function notADirectory(at: string): UsageError {
  return new UsageError('CP_SOURCE_NOT_DIRECTORY', `${at} ends with "/." but is not a directory`, {
    hint: 'Drop the "/." to copy the file itself',
    details: { path: at },
  });
}

function hasTrailingSlash(value: string): boolean {
  return value.endsWith('/') || (path.sep === '\\' && value.endsWith('\\'));
}

async function copyFromAgent(
  deps: CopyDeps,
  from: Extract<CopyEndpoint, { kind: 'agent' }>,
  hostPath: string,
): Promise<CopyResult> {
  const [details] = await lookupAgents(deps.runtime, [from.agent]);
  const inside = resolveAgentPath(from.path);
  const contents = inside.endsWith('/.');
  const fetchPath = contents ? inside.slice(0, -2) || '/' : inside.length > 1 ? inside.replace(/\/$/, '') : inside;
  const destination = path.resolve(deps.cwd, hostPath);
  const { stat: archived, stream } = await deps.runtime.archive.fetchArchive(details!.id, fetchPath, deps.signal);
  try {
    const placement = await placeOnHost(destination, hasTrailingSlash(hostPath), archived.kind, contents, fetchPath);
    const parent = placement.contents ? placement.target : path.dirname(placement.target);
    const owner = await ownerFor(parent, deps.processUser);
    const counts = await extractToHost(stream, placement, owner, deps.signal);
    return { direction: 'from-agent', agent: from.agent, source: fetchPath, destination: placement.target, ...counts };
  } finally {
    stream.destroy();
  }
}

async function placeOnHost(
  destination: string,
  trailingSlash: boolean,
  kind: 'directory' | 'file' | 'symlink' | 'other',
  contents: boolean,
  fetchPath: string,
): Promise<HostPlacement> {
  const existing = await lstat(destination).catch(() => undefined);
  const name = path.posix.basename(fetchPath);
  if (kind === 'directory') {
    if (existing) {
      if (existing.isSymbolicLink()) throw linkAtDestination(destination, 'here');
      if (!existing.isDirectory()) throw kindMismatch(destination, 'here');
      return contents
        ? { target: destination, contents: true }
        : { target: path.join(destination, name), contents: false };
    }
    await requireDirectory(path.dirname(destination));
    return { target: destination, contents: false };
  }
  if (contents) throw notADirectory(`${fetchPath}/.`);
  if (existing?.isDirectory()) return { target: path.join(destination, name), contents: false };
  if (!existing && trailingSlash) throw destinationNotFound(destination, 'the directory does not exist');
  await requireDirectory(path.dirname(destination));
  return { target: destination, contents: false };
}

async function requireDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw destinationNotFound(dir, 'the directory does not exist');
  if (!info.isDirectory()) throw destinationNotFound(dir, 'it is not a directory');
}

/** As root, what is copied out becomes the destination directory's owner's (`sudo agentctl cp`). */
async function ownerFor(dir: string, processUser: CopyDeps['processUser']): Promise<HostOwner> {
  if (processUser?.uid !== 0) return undefined;
  const info = await stat(dir);
  return info.uid === 0 ? undefined : { uid: info.uid, gid: info.gid };
}

/** The agent's user, from its container's configuration (`uid:gid`, as agentctl sets it). */
export function agentOwner(user: string): ArchiveOwner {
  const match = /^(\d+)(?::(\d+))?$/.exec(user.trim());
  // agentctl always sets a numeric user; an image's own default (1000) otherwise.
  if (!match) return { uid: 1000, gid: 1000 };
  const uid = Number(match[1]);
  return { uid, gid: match[2] === undefined ? uid : Number(match[2]) };
}

async function copyToAgent(
  deps: CopyDeps,
  hostPath: string,
  to: Extract<CopyEndpoint, { kind: 'agent' }>,
): Promise<CopyResult> {
  const source = path.resolve(deps.cwd, hostPath);
  const contents = hostPath === '.' || hostPath.endsWith('/.') || hostPath.endsWith(`${path.sep}.`);
  const info = await lstat(source).catch(() => undefined);
  if (!info) {
    throw new NotFoundError('CP_SOURCE_NOT_FOUND', `${source} does not exist`, {
      hint: 'Check the path (a relative one starts at the current directory)',
      details: { path: source },
    });
  }
  const isDirectory = info.isDirectory();
  if (contents && !isDirectory) throw notADirectory(hostPath);
  const [details] = await lookupAgents(deps.runtime, [to.agent]);
  const id = details!.id;
  const inside = resolveAgentPath(to.path);
  const trailingSlash = inside.endsWith('/') && inside !== '/';
  const target = inside.endsWith('/.') ? inside.slice(0, -2) || '/' : trailingSlash ? inside.slice(0, -1) : inside;
  const where = `in agent ${to.agent}`;
  const existing = await deps.runtime.archive.fetchPathStat(id, target);
  let extractAt: string;
  let rootName: string;
  let intoContents = false;
  if (existing?.kind === 'directory') {
    extractAt = target;
    rootName = path.basename(source);
    intoContents = contents;
  } else if (existing?.kind === 'symlink') {
    throw linkAtDestination(target, where);
  } else if (existing) {
    if (isDirectory || existing.kind === 'other') throw kindMismatch(target, where);
    extractAt = path.posix.dirname(target);
    rootName = path.posix.basename(target);
  } else {
    if (trailingSlash && !isDirectory) throw destinationNotFound(`${target} ${where}`, 'the directory does not exist');
    extractAt = path.posix.dirname(target);
    rootName = path.posix.basename(target);
    const parent = await deps.runtime.archive.fetchPathStat(id, extractAt);
    if (!parent || (parent.kind !== 'directory' && parent.kind !== 'symlink'))
      throw destinationNotFound(
        `${extractAt} ${where}`,
        parent ? 'it is not a directory' : 'the directory does not exist',
      );
  }
  const { archive, counts } = await packFromHost(source, {
    rootName,
    contents: intoContents,
    owner: agentOwner(details!.user),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  await deps.runtime.archive.putArchive(id, extractAt, archive);
  return {
    direction: 'to-agent',
    agent: to.agent,
    source,
    destination: intoContents ? target : path.posix.join(extractAt, rootName),
    ...counts,
  };
}
