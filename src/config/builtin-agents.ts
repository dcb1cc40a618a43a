import type { AgentProfile } from './schema.js';

/** The profile `start` and `run` use when neither --agent, --image nor config `defaultAgent` say otherwise. */
export const DEFAULT_AGENT = 'claude';

/**
 * The agent profiles agentctl knows without any config. A config layer (user, project, env, flag)
 * changes any field of one key by key, as for every other key: objects merge, lists and strings are
 * replaced (an empty list switches a list off, e.g. `resumeCommand: []`). Kept free of zod (loaded
 * with DEFAULTS on every command).
 *
 * Paths (`state`, `sessions`) are relative to the agent's home (/home/agent, its home volume); hosts
 * (`egress.allow`, `credentials.*.hosts`) are the ones the agent's own service needs.
 */
export const BUILTIN_AGENTS = {
  claude: {
    description: 'Claude Code (Anthropic)',
    stack: 'base',
    // No command: the base image's own (claude), so an image of your own (image.repository) keeps its.
    taskCommand: ['claude', '-p', '--output-format', 'json', '{prompt}'],
    resumeCommand: ['claude', '--continue'],
    secrets: ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'],
    credentials: {
      ANTHROPIC_API_KEY: { hosts: ['api.anthropic.com'], header: 'x-api-key', format: '{value}' },
      CLAUDE_CODE_OAUTH_TOKEN: { hosts: ['api.anthropic.com'], header: 'authorization', format: 'Bearer {value}' },
    },
    state: ['.claude', '.claude.json'],
    sessions: '.claude/projects',
    egress: { allow: ['api.anthropic.com', 'console.anthropic.com', 'claude.ai', 'statsig.anthropic.com'] },
  },
  codex: {
    description: 'OpenAI Codex CLI',
    stack: 'codex',
    command: ['codex'],
    taskCommand: ['codex', 'exec', '--json', '{prompt}'],
    resumeCommand: ['codex', 'resume', '--last'],
    secrets: ['OPENAI_API_KEY'],
    credentials: {
      OPENAI_API_KEY: { hosts: ['api.openai.com'], header: 'authorization', format: 'Bearer {value}' },
    },
    state: ['.codex'],
    sessions: '.codex/sessions',
    egress: { allow: ['api.openai.com', 'auth.openai.com', 'chatgpt.com'] },
  },
  gemini: {
    description: 'Gemini CLI (Google)',
    stack: 'gemini',
    command: ['gemini'],
    taskCommand: ['gemini', '--output-format', 'json', '-p', '{prompt}'],
    resumeCommand: ['gemini', '--resume'],
    secrets: ['GEMINI_API_KEY'],
    credentials: {
      GEMINI_API_KEY: { hosts: ['generativelanguage.googleapis.com'], header: 'x-goog-api-key', format: '{value}' },
    },
    state: ['.gemini'],
    sessions: '.gemini/tmp',
    egress: { allow: ['generativelanguage.googleapis.com', 'oauth2.googleapis.com', 'cloudcode-pa.googleapis.com'] },
  },
  opencode: {
    description: 'opencode (any provider; Anthropic and OpenAI keys offered)',
    stack: 'opencode',
    command: ['opencode'],
    taskCommand: ['opencode', 'run', '{prompt}'],
    resumeCommand: ['opencode', '--continue'],
    secrets: ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY'],
    credentials: {
      ANTHROPIC_API_KEY: { hosts: ['api.anthropic.com'], header: 'x-api-key', format: '{value}' },
      OPENAI_API_KEY: { hosts: ['api.openai.com'], header: 'authorization', format: 'Bearer {value}' },
    },
    state: ['.local/share/opencode', '.config/opencode'],
    sessions: '.local/share/opencode/storage/session',
    egress: { allow: ['api.anthropic.com', 'api.openai.com', 'opencode.ai', 'models.dev'] },
  },
} satisfies Record<string, AgentProfile>;

export type BuiltinAgentName = keyof typeof BUILTIN_AGENTS;
