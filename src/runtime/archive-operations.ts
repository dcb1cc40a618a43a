import type { Readable } from 'node:stream';

/** What is at a path in a container, as the engine's archive API reports it (nothing runs in the container). */
export interface ContainerPathStat {
  /** The last part of the path. */
  name: string;
  kind: 'directory' | 'file' | 'symlink' | 'other';
  size: number;
  /** Permission bits (0o7777). */
  mode: number;
  /** For a symbolic link: its target, as written. */
  linkTarget: string;
}

/**
 * Files of a container as tar archives (the engine's HEAD, GET and PUT /containers/{id}/archive),
 * for `agentctl cp`: the archive API reads and writes the container's file system without running
 * anything in it, and works on stopped containers too. Implemented for the engine API in
 * dockerode-archive.ts; the Kubernetes runtime refuses every one with KUBERNETES_UNSUPPORTED.
 */
export interface ArchiveOperations {
  /** What is at `path` (a link is not followed); undefined when nothing is. */
  fetchPathStat(id: string, path: string): Promise<ContainerPathStat | undefined>;
  /**
   * A tar stream of `path` (a directory with everything in it, or one file or link; its first
   * entry is named after the path's last part). NotFoundError CONTAINER_PATH_NOT_FOUND when absent.
   */
  fetchArchive(id: string, path: string, signal?: AbortSignal): Promise<{ stat: ContainerPathStat; stream: Readable }>;
  /**
   * Unpacks a tar archive into the existing directory `path` (files, directories, links, with the
   * owners and modes the archive gives). The engine resolves `path` inside the container.
   */
  putArchive(id: string, path: string, archive: Buffer): Promise<void>;
}
