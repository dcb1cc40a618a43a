import { LABELS } from '../../shared/labels.js';
import { usesGateway } from '../egress/egress-policy.js';
import { getGatewayNames } from '../egress/gateway.js';
import type { CheckResult, DoctorDeps, EngineFacts } from './check.js';

/**
 * The egress gateway of this engine (src/core/egress/gateway.ts): none yet (made at the first
 * allowlist or learn start), running, stopped, or a name another container took. A configured
 * gateway policy on a backend without the gateway fails: every start would be refused.
 */
export async function checkEgress(facts: EngineFacts, deps: Pick<DoctorDeps, 'env'>): Promise<CheckResult> {
  const base = { id: 'egress', title: 'Egress gateway' } as const;
  const runtime = facts.connected?.runtime;
  if (!runtime) return { ...base, status: 'skip', message: 'not checked (no engine)' };
  const policy = facts.config?.config.egress?.policy ?? 'open';
  if (!runtime.egress) {
    return usesGateway(policy)
      ? {
          ...base,
          status: 'fail',
          message: `egress.policy is ${policy}, which this backend cannot give (no egress gateway here): every start is refused`,
          fix: 'Set egress.policy to open or none for this backend, or use a backend with the gateway (Docker, Podman, Kubernetes)',
          details: { policy, available: false },
        }
      : { ...base, status: 'skip', message: 'not on this backend: --egress allowlist and learn are refused here' };
  }
  const names = getGatewayNames(deps.env);
  const details = { policy, gateway: names.gateway };
  let found;
  try {
    found = await runtime.egress.inspectGateway(names.gateway);
  } catch (error) {
    return {
      ...base,
      status: 'warn',
      message: `could not inspect the gateway ${names.gateway}: ${(error as Error).message}`,
      fix: 'Run `agentctl doctor --verbose` again',
      details,
    };
  }
  if (!found) {
    return {
      ...base,
      status: 'ok',
      message: `none yet (${names.gateway} is made at the first start with --egress allowlist or learn)`,
      details: { ...details, exists: false },
    };
  }
  if (found.labels[LABELS.kind] !== 'egress-gateway') {
    return {
      ...base,
      status: 'fail',
      message: `the container name ${names.gateway} is used by a container agentctl did not create: allowlist starts fail`,
      fix: `Remove or rename that container, or choose another gateway name with AGENTCTL_EGRESS_NAME`,
      details: { ...details, exists: true, managed: false },
    };
  }
  const address = found.addresses[names.internal];
  // A stopped container has no address on its networks (the engines give it at start; a `policy`
  // backend's gateway gets a new one): only a running gateway without one is off its network.
  if (!address && found.running) {
    return {
      ...base,
      status: 'fail',
      message: `${names.gateway} is not on its network ${names.internal}: its agents cannot reach it`,
      fix: `Remove it (\`docker rm -f ${names.gateway}\`, or podman): the next allowlist start makes it again with its state`,
      details: { ...details, exists: true, running: found.running },
    };
  }
  if (!found.running) {
    return {
      ...base,
      status: 'warn',
      message: `${names.gateway} is ${found.state}: agents behind it reach nothing until it runs`,
      fix:
        runtime.egress.isolation === 'policy'
          ? 'The next start of an allowlist agent starts it (its agents started before it went need to be re-created: its address changes)'
          : `The next start of an allowlist agent starts it; or \`docker start ${names.gateway}\` (or podman)`,
      details: { ...details, exists: true, running: false, ...(address ? { address } : {}) },
    };
  }
  return {
    ...base,
    status: 'ok',
    message: `${names.gateway} running (${address} on ${names.internal})`,
    details: { ...details, exists: true, running: true, address },
  };
}
