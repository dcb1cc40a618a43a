import { createHash } from 'node:crypto';
import { lstat, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ownDirectory, privateCacheDir } from '../shared/private-dir.js';
import type { Config } from './schema.js';

declare const __AGENTCTL_BUILD_ID__: string;

/**
 * Config layers this build has already validated, kept between commands. The validator (zod) costs
 * ~45 ms to load and more to build its schema on every command that has a config file or an
 * AGENTCTL_* variable, yet those layers rarely change: a layer validated once is looked up by a
 * hash of this build's identity (a hash of src/config, so a changed schema never trusts an old
 * answer) and the layer's JSON, and its validated form is returned as it was. A layer that fails
 * validation is never kept (the validator runs and reports it every time), nor one JSON cannot
 * carry unchanged. Any doubt (foreign or unreadable directory, broken file) validates again.
 */
export interface ValidationCache {
  get(layer: unknown): Promise<Config | undefined>;
  /** Keeps a validated layer for `save`. */
  set(layer: unknown, config: Config): Promise<void>;
  /** Writes what `set` kept: called once the command succeeded, so a failed one leaves no file behind. */
  save(): Promise<void>;
}

const FORMAT = 1;

export function createValidationCache(env: NodeJS.ProcessEnv, buildId = __AGENTCTL_BUILD_ID__): ValidationCache {
  const dir = privateCacheDir(env);
  const pending = new Map<string, string>();
  const fileOf = (layer: unknown): string | undefined => {
    if (!dir) return undefined;
    let text: string;
    try {
      text = JSON.stringify([FORMAT, buildId, layer]);
    } catch {
      return undefined;
    }
    return join(dir, `config-${createHash('sha256').update(text).digest('hex').slice(0, 32)}.json`);
  };
  return {
    async get(layer) {
      const file = fileOf(layer);
      if (!file || !(await lstat(dir!).catch(() => undefined)) || !(await ownDirectory(dir!, false).catch(() => false)))
        return undefined;
      const cached = await readFile(file, 'utf8').then(
        (text) => JSON.parse(text) as { layer: unknown; config: Config },
        () => undefined,
      );
      // The layer is kept beside its hash: a collision or a stale file is seen, not trusted.
      return cached && isDeepStrictEqual(cached.layer, layer) ? cached.config : undefined;
    },
    async set(layer, config) {
      const file = fileOf(layer);
      if (!file) return;
      const record = { layer, config };
      if (!isDeepStrictEqual(JSON.parse(JSON.stringify(record)), record)) return;
      pending.set(file, JSON.stringify(record));
    },
    async save() {
      if (pending.size === 0 || !(await ownDirectory(dir!, true).catch(() => false))) return;
      const writes = [...pending];
      pending.clear();
      await Promise.all(
        writes.map(async ([file, text]) => {
          const temporary = `${file}.${process.pid}.tmp`;
          await writeFile(temporary, text, { mode: 0o600 })
            .then(() => rename(temporary, file))
            .catch(() => undefined);
        }),
      );
    },
  };
}
