import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { LABELS } from '../shared/labels.js';

/**
 * What rm, prune and the clean-up of interrupted starts do for a removed agent of a gateway
 * policy: its registration leaves the gateway. Best effort: a gateway that cannot be reached is
 * reported (a registration left behind names an agent that no longer exists: nothing can use it
 * but a container on the gateway's network that holds the removed agent's token).
 */
export function egressUnregister(
  runtime: ContainerRuntime,
  log: (message: string) => void,
): (name: string, labels: Readonly<Record<string, string>>) => Promise<void> {
  return async (name, labels) => {
    if (labels[LABELS.egress] !== 'allowlist' && labels[LABELS.egress] !== 'learn') return;
    const { unregisterAgentEgress } = await import('../core/egress/agent-egress.js');
    await unregisterAgentEgress(runtime, name, labels).catch((error: unknown) =>
      log(`could not remove ${name}'s registration from its egress gateway: ${(error as Error).message}`),
    );
  };
}
