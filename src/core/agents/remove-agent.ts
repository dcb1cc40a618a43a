import { ConflictError } from '../errors.js';
import { LABELS } from '../labels.js';
import { agentNameFromDetails, lookupAgents, lookupAllAgents } from './agent-lookup.js';
import { homeVolumeName } from './agent-name.js';
import { checkSelection, type AgentSelection, type LifecycleRuntime } from './stop-agent.js';

export interface RemoveResult {
  name: string;
  /** The home volume removed with it (--volumes), if any. */
  volume: string | null;
}

/**
 * Removes agents. A running agent is refused (AGENT_RUNNING, exit 8) unless `force`; nothing is
 * removed when any named agent is refused or unknown. `volumes` also deletes each agent's home.
 */
export async function removeAgents(deps: { runtime: LifecycleRuntime }, selection: AgentSelection & { force: boolean; volumes: boolean }): Promise<RemoveResult[]> {
  checkSelection(selection, 'rm');
  const targets = selection.all ? await lookupAllAgents(deps.runtime, true) : await lookupAgents(deps.runtime, selection.names);
  const running = targets.filter((details) => details.running).map(agentNameFromDetails);
  if (running.length > 0 && !selection.force) {
    throw new ConflictError('AGENT_RUNNING', `Agent ${running.join(', ')} ${running.length === 1 ? 'is' : 'are'} running`, {
      hint: `Stop it first (\`agentctl stop ${running.join(' ')}\`) or pass --force`,
      details: { agents: running },
    });
  }
  return Promise.all(
    targets.map(async (details): Promise<RemoveResult> => {
      const name = agentNameFromDetails(details);
      await deps.runtime.removeContainer(details.id, { force: selection.force });
      if (!selection.volumes) return { name, volume: null };
      const volume = homeVolumeName(name);
      const info = await deps.runtime.inspectVolume(volume);
      if (!info || info.labels[LABELS.managed] !== 'true') return { name, volume: null };
      await deps.runtime.removeVolume(volume);
      return { name, volume };
    }),
  );
}
