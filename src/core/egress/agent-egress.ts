import type { EgressPolicy } from '../../egress/contract.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import { UsageError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import { usesGateway, type EgressChoice } from './egress-policy.js';

/** EGRESS_UNSUPPORTED (exit 2): the backend has no egress gateway (Kubernetes, for now). */
export function checkEgressSupported(
  runtime: Pick<ContainerRuntime, 'egress' | 'capabilities'>,
  choice: EgressChoice,
): void {
  // The gateway itself lands in the next step: until then allowlist and learn are refused everywhere.
  if (!usesGateway(choice.policy)) return;
  throw new UsageError(
    'EGRESS_UNSUPPORTED',
    `--egress ${choice.policy} needs the egress gateway, which this ${runtime.egress ? 'build' : 'backend'} does not have yet${runtime.capabilities.cluster ? ' (Kubernetes)' : ''}`,
    { hint: 'Use --egress open or none here, or the Docker or Podman engine backend for allowlist and learn' },
  );
}

/** The labels that record an agent's egress (ls and a later start read them back). */
export function egressLabels(choice: EgressChoice): Record<string, string> {
  return {
    [LABELS.egress]: choice.policy,
    ...(usesGateway(choice.policy) ? { [LABELS.egressAllow]: choice.allow.join(',') } : {}),
  };
}

/** The policy an existing agent was created with (open for agents from before egress policies). */
export function getRecordedEgress(labels: Readonly<Record<string, string>>): EgressPolicy {
  const value = labels[LABELS.egress];
  return value === 'allowlist' || value === 'learn' || value === 'none' ? value : 'open';
}
