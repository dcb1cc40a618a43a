import type { LoadedConfig } from './load-config.js';
import type { Config } from './schema.js';

export interface EffectiveConfig {
  config: Config;
  files: { user: string | null; project: string | null };
  /** trusted: the project file sets keys that need approval and has it; not-needed: it sets none. */
  projectTrust: 'trusted' | 'not-needed' | null;
  values: { key: string; value: unknown; source: string }[];
}

function leaves(value: unknown, prefix: string, out: { key: string; value: unknown }[]): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) leaves(child, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out.push({ key: prefix, value });
  }
}

/** The shape of `agentctl config show --json` (documented in docs/configuration.md). */
export function describeEffectiveConfig(loaded: LoadedConfig): EffectiveConfig {
  const flat: { key: string; value: unknown }[] = [];
  leaves(loaded.config, '', flat);
  return {
    config: loaded.config,
    files: { user: loaded.files.user ?? null, project: loaded.files.project ?? null },
    projectTrust: loaded.projectTrust ?? null,
    values: flat
      .map((entry) => ({ ...entry, source: loaded.sources.get(entry.key) ?? 'default' }))
      .sort((a, b) => a.key.localeCompare(b.key)),
  };
}
