import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import { LABELS } from '../../shared/labels.js';
import { containerName } from './agent-name.js';
import { recoverInterruptedStarts } from './start-journal.js';

/**
 * On contact with an engine: removes the agents that starts against it left half-made when they
 * were killed (start-journal.ts). Best effort: a failure here is logged, never the command's.
 */
export async function recoverStartsOn(
  runtime: ContainerRuntime,
  deps: {
    dataDir: string;
    env: NodeJS.ProcessEnv;
    processUser?: { uid: number; gid: number };
    log(message: string): void;
  },
): Promise<string[]> {
  return recoverInterruptedStarts({
    dataDir: deps.dataDir,
    engine: runtime.endpoint.url,
    inspect: async (name) => {
      const details = await runtime.inspectContainer(containerName(name));
      return details && { id: details.id, state: details.state, managed: details.labels[LABELS.managed] === 'true' };
    },
    removeAgent: async (name, volume) => {
      // Loaded only when there is something to remove: every command against an engine comes here.
      const { removeAgents } = await import('./remove-agent.js');
      await removeAgents(
        {
          runtime,
          worktrees: { env: deps.env, ...(deps.processUser ? { processUser: deps.processUser } : {}) },
          unregisterEgress: async (agent, labels) => {
            const { unregisterAgentEgress } = await import('../egress/agent-egress.js');
            await unregisterAgentEgress(runtime, agent, labels).catch((error: unknown) =>
              deps.log(`could not remove ${agent}'s registration from its egress gateway: ${(error as Error).message}`),
            );
          },
        },
        { names: [name], all: false, force: false, volumes: volume },
      );
    },
    removeVolume: (name) => runtime.removeVolume(name),
    unregisterEgress: async (agent, gateway) => {
      const { removeAgentRegistration } = await import('../egress/agent-egress.js');
      await removeAgentRegistration(runtime, agent, gateway).catch((error: unknown) =>
        deps.log(`could not remove ${agent}'s registration from its egress gateway: ${(error as Error).message}`),
      );
    },
    log: deps.log,
  }).catch((error: unknown) => {
    deps.log(`could not clean up after an interrupted start: ${(error as Error).message}`);
    return [];
  });
}
