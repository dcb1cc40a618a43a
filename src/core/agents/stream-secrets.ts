import type { Config } from '../../config/schema.js';
import type { AgentContainerInfo } from './agent-lookup.js';

/**
 * The secret names whose values `logs`, `exec` and `attach` mask: those the agent was started with
 * (recorded as names in its container config) and those the config offers (top-level `secrets`
 * and every agent profile's). The values are never stored anywhere: they are taken from the user's
 * environment at the time of the command, as `start` took them.
 */
export function getKnownSecretNames(
  agents: AgentContainerInfo[],
  config: Pick<Config, 'secrets' | 'agents'>,
): string[] {
  const names = new Set<string>();
  for (const agent of agents) for (const name of agent.secretNames) names.add(name);
  for (const name of config.secrets ?? []) names.add(name);
  for (const profile of Object.values(config.agents ?? {})) for (const name of profile.secrets ?? []) names.add(name);
  return [...names];
}

/** Hands the value of each name set in `env` to `register` (as given and trimmed, as start does for files). */
export function registerKnownSecrets(names: string[], env: NodeJS.ProcessEnv, register: (value: string) => void): void {
  for (const name of names) {
    const value = env[name];
    if (value === undefined || value.trim() === '') continue;
    register(value);
    register(value.trim());
  }
}
