import { BUILTIN_AGENTS, DEFAULT_AGENT } from './builtin-agents.js';
import type { Config } from './schema.js';

/**
 * Values used when no layer sets a key. Kept apart from the schema so that a command run without
 * any config file, AGENTCTL_* variable or config flag never loads zod (~30 ms of start-up).
 */
export const DEFAULTS = {
  backend: 'engine',
  image: { pull: 'missing', useLocal: false, devTag: 'dev' },
  resources: { cpus: 2, memory: '4g', pidsLimit: 512, logSize: '20m' },
  worktree: 'auto',
  defaultAgent: DEFAULT_AGENT,
} as const satisfies Config;

/** The built-in agent profiles, merged under every config layer (source `built-in`). */
export const BUILTIN_LAYER = { agents: BUILTIN_AGENTS } satisfies Config;
