/**
 * AGENTCTL_* environment variables and the config key each one sets. One table: the loader,
 * `config show` and docs/configuration.md all follow it.
 */
export interface EnvVariable {
  name: string;
  path: string[];
  type: 'string' | 'number' | 'boolean';
}

export const ENV_VARIABLES: readonly EnvVariable[] = [
  { name: 'AGENTCTL_RUNTIME', path: ['runtime'], type: 'string' },
  { name: 'AGENTCTL_HOST', path: ['host'], type: 'string' },
  { name: 'AGENTCTL_BACKEND', path: ['backend'], type: 'string' },
  { name: 'AGENTCTL_KUBE_CONTEXT', path: ['kubernetes', 'context'], type: 'string' },
  { name: 'AGENTCTL_NAMESPACE', path: ['kubernetes', 'namespace'], type: 'string' },
  { name: 'AGENTCTL_IMAGE_REPOSITORY', path: ['image', 'repository'], type: 'string' },
  { name: 'AGENTCTL_IMAGE_TAG', path: ['image', 'tag'], type: 'string' },
  { name: 'AGENTCTL_USE_LOCAL_IMAGE', path: ['image', 'useLocal'], type: 'boolean' },
  { name: 'AGENTCTL_PULL', path: ['image', 'pull'], type: 'string' },
  { name: 'AGENTCTL_DEFAULT_AGENT', path: ['defaultAgent'], type: 'string' },
  { name: 'AGENTCTL_CPUS', path: ['resources', 'cpus'], type: 'number' },
  { name: 'AGENTCTL_MEMORY', path: ['resources', 'memory'], type: 'string' },
  { name: 'AGENTCTL_PIDS_LIMIT', path: ['resources', 'pidsLimit'], type: 'number' },
  { name: 'AGENTCTL_LOG_SIZE', path: ['resources', 'logSize'], type: 'string' },
  { name: 'AGENTCTL_WORKTREE', path: ['worktree'], type: 'string' },
  { name: 'AGENTCTL_WORKTREE_DIR', path: ['worktreeDir'], type: 'string' },
  { name: 'AGENTCTL_DATA_DIR', path: ['dataDir'], type: 'string' },
  { name: 'AGENTCTL_NETWORK', path: ['network'], type: 'string' },
  { name: 'AGENTCTL_DETACH_KEYS', path: ['detachKeys'], type: 'string' },
];
