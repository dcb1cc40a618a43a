import type { Config } from '../../config/schema.js';
import { ConfigError } from '../../shared/errors.js';
import { normaliseAllowList } from './allow-entry.js';

/** Where a secret may go: the proxy puts the real value into `header` of requests to `hosts` only. */
export interface SecretBinding {
  hosts: string[];
  /** Lower case. */
  header: string;
  /** `{value}` stands for the secret. */
  format: string;
  /** More headers that carry the same secret (Claude Code sends its key in two). */
  also?: { header: string; format: string }[];
}

/**
 * The services agentctl knows a secret of by its name. A secret named here and given to an agent
 * whose egress policy is `allowlist` or `learn` never enters the agent: it gets a placeholder.
 */
export const KNOWN_BINDINGS: Readonly<Record<string, SecretBinding>> = {
  // Claude Code sends a key from its apiKeyHelper (how the agent images give it the key) both as
  // x-api-key and as Authorization: Bearer; each header gets the real value.
  ANTHROPIC_API_KEY: {
    hosts: ['api.anthropic.com'],
    header: 'x-api-key',
    format: '{value}',
    also: [{ header: 'authorization', format: 'Bearer {value}' }],
  },
  CLAUDE_CODE_OAUTH_TOKEN: { hosts: ['api.anthropic.com'], header: 'authorization', format: 'Bearer {value}' },
  OPENAI_API_KEY: { hosts: ['api.openai.com'], header: 'authorization', format: 'Bearer {value}' },
  GEMINI_API_KEY: { hosts: ['generativelanguage.googleapis.com'], header: 'x-goog-api-key', format: '{value}' },
  GITHUB_TOKEN: { hosts: ['github.com', 'api.github.com'], header: 'authorization', format: 'Bearer {value}' },
  GH_TOKEN: { hosts: ['github.com', 'api.github.com'], header: 'authorization', format: 'Bearer {value}' },
};

const HEADER = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

type ConfiguredHeader = { header: string; format?: string };
type ConfiguredBinding = ConfiguredHeader & { hosts: string[]; also?: ConfiguredHeader[] };

/**
 * The binding of secret NAME: the agent profile's `credentials.NAME`, then the config's
 * `egress.secrets.NAME` (each checked: host patterns, a header name, a format holding `{value}`),
 * then the table above; undefined for any other name.
 */
export function getSecretBinding(
  name: string,
  config: Pick<Config, 'egress'>,
  profile?: { name: string; credentials?: Record<string, ConfiguredBinding> },
): SecretBinding | undefined {
  const fromProfile = profile?.credentials?.[name];
  const configured = fromProfile ?? config.egress?.secrets?.[name];
  if (configured) {
    const where = fromProfile ? `agents.${profile!.name}.credentials.${name}` : `egress.secrets.${name}`;
    const [first, ...also] = [configured, ...(configured.also ?? [])].map((item, index) =>
      checkHeader(item, index === 0 ? where : `${where}.also[${index - 1}]`),
    );
    return {
      hosts: normaliseAllowList(configured.hosts, `${where}.hosts`),
      ...first!,
      ...(also.length > 0 ? { also } : {}),
    };
  }
  return KNOWN_BINDINGS[name];
}

function checkHeader(item: ConfiguredHeader, where: string): { header: string; format: string } {
  const header = item.header.toLowerCase();
  if (!HEADER.test(header)) throw bindingError(where, `"${item.header}" is not a header name`);
  const format = item.format ?? '{value}';
  if (!format.includes('{value}')) throw bindingError(where, 'its format must hold {value}');
  return { header, format };
}

function bindingError(where: string, problem: string): ConfigError {
  return new ConfigError('CONFIG_INVALID', `Invalid configuration: ${where}: ${problem}`, {
    hint: `Fix "${where}"; docs/configuration.md describes egress.secrets`,
  });
}
