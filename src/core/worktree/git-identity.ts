/** Commit identity of an agent: config `git.name` / `git.email`, where `{agent}` is the agent's name. */
export interface GitIdentityConfig {
  name?: string | undefined;
  email?: string | undefined;
}

export const DEFAULT_GIT_NAME = 'agentctl agent {agent}';
export const DEFAULT_GIT_EMAIL = '{agent}@agents.agentctl.invalid';

/**
 * Environment for git inside an agent's container: the agent's commit identity (author and
 * committer), and config through GIT_CONFIG_COUNT (command-line scope, which git also honours for
 * safe.directory): the agent's bind-mounted repository is trusted even when the engine reports
 * another owner (Docker Desktop, rootless user namespaces).
 */
export function getGitEnvironment(agent: string, identity: GitIdentityConfig = {}): Record<string, string> {
  const name = (identity.name ?? DEFAULT_GIT_NAME).replaceAll('{agent}', agent);
  const email = (identity.email ?? DEFAULT_GIT_EMAIL).replaceAll('{agent}', agent);
  const config: Array<[string, string]> = [['safe.directory', '*']];
  const env: Record<string, string> = {
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: email,
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}
