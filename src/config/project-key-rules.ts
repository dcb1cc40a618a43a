import type { Config } from './schema.js';

/**
 * What a project config file may set without the user's approval:
 * - `free`: cannot loosen confinement (git identity, worktree mode, pull policy);
 * - `at-most`: a limit that may only be tightened (no higher than the defaults and user config);
 * - `trust`: chooses the engine, the network, capabilities, the OCI runtime, host directories,
 *   host secrets or what code runs with them (images, commands, agent profiles, tasks).
 * Every key of the schema is listed (the compiler checks it), so a new key needs a decision.
 */
export type KeyRule = 'free' | 'at-most' | 'trust';
type KeyRules<T> = { [K in keyof T]-?: KeyRule | KeyRules<NonNullable<T[K]>> };

export const PROJECT_KEY_RULES = {
  runtime: 'trust',
  host: 'trust',
  backend: 'trust',
  image: { repository: 'trust', tag: 'trust', useLocal: 'trust', devTag: 'trust', pull: 'free' },
  defaultAgent: 'trust',
  agents: 'trust',
  tasks: 'trust',
  resources: { cpus: 'at-most', memory: 'at-most', pidsLimit: 'at-most', logSize: 'at-most' },
  secrets: 'trust',
  worktree: 'free',
  worktreeDir: 'trust',
  git: { name: 'free', email: 'free' },
  dataDir: 'trust',
  // Which keys detach `attach`: at worst an inconvenience, never a loosening of confinement.
  detachKeys: 'free',
  network: 'trust',
  // Which hosts an agent reaches and where secrets go: each can send the agent's work elsewhere.
  egress: { policy: 'trust', allow: 'trust', secrets: 'trust', gatewayImage: 'trust' },
  ociRuntime: 'trust',
  kubernetes: 'trust',
} as const satisfies KeyRules<Config>;

export interface KeyNeedingTrust {
  /** Dotted path of the key as set in the file (`agents.claude.capabilities`). */
  key: string;
  /** Why, when it is not plain (`above 4g`). */
  note?: string;
}

type Plain = Record<string, unknown>;
const isPlain = (value: unknown): value is Plain =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The keys of a (validated) project config that need the user's approval. `base` is the config
 * without the project layer (defaults and user config): limits are compared with it.
 */
export function getKeysNeedingTrust(project: Plain, base: Pick<Config, 'resources'>): KeyNeedingTrust[] {
  const found: KeyNeedingTrust[] = [];
  const walk = (value: Plain, rules: Plain | undefined, prefix: string, baseValue: unknown) => {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const dotted = prefix ? `${prefix}.${key}` : key;
      // An unknown key (never past the schema) fails closed.
      const rule = rules?.[key] ?? 'trust';
      const below = isPlain(baseValue) ? baseValue[key] : undefined;
      if (rule === 'free') continue;
      if (rule === 'trust') found.push(...leaves(item, dotted).map((leaf) => ({ key: leaf })));
      else if (rule === 'at-most') {
        if (!isAtMost(item, below))
          found.push({
            key: dotted,
            note: below === undefined ? 'no limit is set below it' : `above ${String(below)}`,
          });
      } else if (isPlain(item)) walk(item, rule as Plain, dotted, below);
      else found.push({ key: dotted });
    }
  };
  walk(project, PROJECT_KEY_RULES, '', base);
  return found;
}

function leaves(value: unknown, prefix: string): string[] {
  if (!isPlain(value)) return [prefix];
  return Object.entries(value).flatMap(([key, item]) => (item === undefined ? [] : leaves(item, `${prefix}.${key}`)));
}

function isAtMost(value: unknown, limit: unknown): boolean {
  const a = toNumber(value);
  const b = toNumber(limit);
  return a !== undefined && b !== undefined && a <= b;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(value.trim());
  return match ? Number(match[1]) * UNITS[match[2]!.toLowerCase()]! : undefined;
}

export function formatKeys(keys: KeyNeedingTrust[], max = 6): string {
  const shown = keys.slice(0, max).map((k) => (k.note ? `${k.key} (${k.note})` : k.key));
  return keys.length > max ? `${shown.join(', ')} and ${keys.length - max} more` : shown.join(', ');
}
