import { NotFoundError } from '../errors.js';
import type { AgentContainerInfo, StreamOperations } from '../../runtime/stream-operations.js';

export interface FindAgentDeps {
  runtime: Pick<StreamOperations, 'lookupAgentContainer'>;
}

/**
 * The container of agent `name`: found by label io.agentctl.agent, else by the container name
 * agentctl-NAME. Throws AGENT_NOT_FOUND (exit 7) when there is none.
 */
export async function findAgent(deps: FindAgentDeps, name: string): Promise<AgentContainerInfo> {
  const found = await deps.runtime.lookupAgentContainer(name);
  if (!found) {
    throw new NotFoundError('AGENT_NOT_FOUND', `No agent named "${name}"`, {
      hint: 'Run `agentctl ls --all` to see your agents, or `agentctl start` to create one',
      details: { agents: [name] },
    });
  }
  return found;
}
