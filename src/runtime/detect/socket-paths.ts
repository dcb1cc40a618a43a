import path from 'node:path';
import type { Endpoint, EngineKind } from '../endpoint.js';
import type { DetectionEnvironment } from './strategy.js';

/** A unix socket endpoint; engine sockets always live on POSIX paths. */
export function socketEndpoint(socketPath: string, source: string, expectedKind?: EngineKind): Endpoint {
  return { url: `unix://${socketPath}`, source, ...(expectedKind ? { expectedKind } : {}) };
}

export function joinPosix(...parts: string[]): string {
  return path.posix.join(...parts);
}

/** Joins a path the way the target platform spells it (config files on Windows use backslashes). */
export function joinFor(platform: NodeJS.Platform, ...parts: string[]): string {
  return platform === 'win32' ? path.win32.join(...parts) : path.posix.join(...parts);
}

/** $XDG_RUNTIME_DIR, else /run/user/<uid> on Linux (what podman and rootless dockerd use). */
export function runtimeDir({ env, platform, uid }: DetectionEnvironment): string | undefined {
  if (env.XDG_RUNTIME_DIR) return env.XDG_RUNTIME_DIR;
  if (platform === 'linux' && uid !== undefined && uid !== 0) return `/run/user/${uid}`;
  return undefined;
}

/** Lists a directory, or nothing when it does not exist or cannot be read. */
export async function listDirectory(environment: DetectionEnvironment, directory: string): Promise<string[]> {
  try {
    if (!(await environment.fs.exists(directory))) return [];
    return (await environment.fs.readdir(directory)).sort();
  } catch {
    return [];
  }
}
