import { basename } from 'node:path';
import { CONTAINER_PREFIX } from '../../shared/labels.js';
import { UsageError } from '../../shared/errors.js';
import { quoteInput } from '../../shared/quote.js';

/** Engine name rules (Docker and Podman alike), for the part after the `agentctl-` prefix. */
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** Leaves room for the prefix and the `-home` volume suffix inside the engines' 253/255 limits. */
export const MAX_AGENT_NAME_LENGTH = 63;

/** Throws a UsageError (AGENT_NAME_INVALID) unless `name` is a valid agent name. */
export function validateAgentName(name: string): string {
  if (!NAME_PATTERN.test(name) || name.length > MAX_AGENT_NAME_LENGTH) {
    throw new UsageError('AGENT_NAME_INVALID', `Invalid agent name ${quoteInput(name)}`, {
      hint: `Use 1-${MAX_AGENT_NAME_LENGTH} characters: letters, digits, "_", "." or "-", starting with a letter or digit`,
    });
  }
  return name;
}

/** A valid agent name derived from a workspace directory (its base name, sanitised). */
export function deriveAgentName(workspace: string): string {
  const sanitised = basename(workspace)
    .replace(/[^a-zA-Z0-9_.-]+/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '')
    .slice(0, MAX_AGENT_NAME_LENGTH)
    .replace(/[-_.]+$/, '');
  return sanitised || 'agent';
}

export function containerName(agent: string): string {
  return `${CONTAINER_PREFIX}${agent}`;
}

export function homeVolumeName(agent: string): string {
  return `${CONTAINER_PREFIX}${agent}-home`;
}

/** The agent name of an agentctl container name, or undefined when it is not one. */
export function agentNameOf(container: string): string | undefined {
  const name = container.replace(/^\//, '');
  return name.startsWith(CONTAINER_PREFIX) ? name.slice(CONTAINER_PREFIX.length) : undefined;
}
