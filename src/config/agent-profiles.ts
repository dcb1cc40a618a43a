import { BUILD_INFO } from '../shared/build-info.js';
import { UsageError } from '../shared/errors.js';
import { BUILTIN_AGENTS } from './builtin-agents.js';
import type { AgentProfile, Config } from './schema.js';

/** The stack whose image is `<repository>:<tag>` itself; any other stack S is `<repository>-S:<tag>`. */
export const BASE_STACK = 'base';

/** The profile NAME of the effective config (built-in ones merged with config), if there is one. */
export function getAgentProfile(config: Config, name: string): AgentProfile | undefined {
  return Object.hasOwn(config.agents ?? {}, name) ? config.agents![name] : undefined;
}

/**
 * The image reference of a profile: its `image`, else its stack's image from `image.repository` /
 * `image.tag` (else the pinned ones), so a mirror or another version applies to every stack at once.
 */
export function getProfileImage(config: Config, profile: AgentProfile): string {
  if (profile.image !== undefined) return profile.image;
  const repository = config.image?.repository ?? BUILD_INFO.image.repository;
  const tag = config.image?.tag ?? BUILD_INFO.image.tag;
  const stack = profile.stack ?? BASE_STACK;
  return stack === BASE_STACK ? `${repository}:${tag}` : `${repository}-${stack}:${tag}`;
}

/** Whether NAME is one of agentctl's own profiles (config may still have changed its fields). */
export function isBuiltinAgent(name: string): boolean {
  return Object.hasOwn(BUILTIN_AGENTS, name);
}

/** AGENT_PROFILE_UNKNOWN (usage, exit 2), listing the profiles there are. */
export function unknownProfileError(config: Config, name: string, message?: string): UsageError {
  const known = Object.keys(config.agents ?? {});
  return new UsageError('AGENT_PROFILE_UNKNOWN', message ?? `Unknown agent profile "${name}"`, {
    hint:
      known.length > 0
        ? `Use one of: ${known.join(', ')} (built-in or in your config), define it under \`agents\` in your config, or use --image REF`
        : 'Define it under `agents` in your config, or use --image REF',
  });
}
