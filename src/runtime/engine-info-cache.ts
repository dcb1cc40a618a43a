import { createHash } from 'node:crypto';
import { lstat, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ownDirectory, privateCacheDir } from '../shared/private-dir.js';
import type { ContainerRuntime } from './container-runtime.js';
import { parseEndpoint } from './endpoint.js';
import type { EngineInfo } from './engine-operations.js';

/**
 * GET /info costs 0.4–1 s on Podman 4 (it gathers storage and host statistics; no upstream issue
 * found), while `start` needs only fields that cannot change while the engine runs (rootless,
 * security options). For a local unix socket the answer is kept in a private file keyed by the
 * socket's identity (device, inode, change time: a restarted engine makes a new socket) and the
 * engine's version, so only the first start after an engine (re)start pays for it. Any doubt
 * (remote engine, unreadable or foreign cache directory, broken file) falls back to asking the
 * engine.
 */
export async function cachedEngineInfo(
  runtime: Pick<ContainerRuntime, 'endpoint' | 'version' | 'fetchEngineInfo'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EngineInfo> {
  const file = await cacheFile(runtime, env).catch(() => undefined);
  if (file) {
    const cached = await readFile(file, 'utf8').then(
      (text) => JSON.parse(text) as EngineInfo,
      () => undefined,
    );
    if (cached && typeof cached.rootless === 'boolean' && Array.isArray(cached.securityOptions)) return cached;
  }
  const info = await runtime.fetchEngineInfo();
  if (file) pendingWrite = { file, info };
  return info;
}

/** Bumped whenever toEngineInfo changes what it reads from GET /info. */
const CACHE_FORMAT = 3;

let pendingWrite: { file: string; info: EngineInfo } | undefined;

/**
 * Writes the info fetched by cachedEngineInfo, if any. Called once the command succeeded, so that a
 * command that fails leaves nothing behind.
 */
export async function saveEngineInfoCache(): Promise<void> {
  if (!pendingWrite) return;
  const { file, info } = pendingWrite;
  pendingWrite = undefined;
  // The directory is made only here, so that a failed command leaves no trace in TMPDIR either.
  if (!(await ownDirectory(dirname(file), true).catch(() => false))) return;
  const temporary = `${file}.${process.pid}`;
  await writeFile(temporary, JSON.stringify(info), { mode: 0o600 })
    .then(() => rename(temporary, file))
    .catch(() => undefined);
}

async function cacheFile(
  runtime: Pick<ContainerRuntime, 'endpoint' | 'version'>,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const parsed = parseEndpoint(runtime.endpoint.url);
  const dir = privateCacheDir(env);
  if (parsed.protocol !== 'unix' || !parsed.socketPath || !dir) return undefined;
  const socket = await stat(parsed.socketPath, { bigint: true });
  if ((await lstat(dir).catch(() => undefined)) && !(await ownDirectory(dir, false))) return undefined;
  // CACHE_FORMAT: a newer agentctl that reads the info differently (Podman's Rootless) asks again.
  const key = JSON.stringify([
    CACHE_FORMAT,
    parsed.socketPath,
    String(socket.dev),
    String(socket.ino),
    String(socket.ctimeNs),
    runtime.version.kind,
    runtime.version.version,
    runtime.version.apiVersion,
  ]);
  return join(dir, `engine-info-${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
}
