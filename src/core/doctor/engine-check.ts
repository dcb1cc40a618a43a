import { toAgentctlError } from '../../shared/errors.js';
import type { CheckResult, DoctorDeps, EngineFacts } from './check.js';

/** Finds the engine the way every command does, and asks it about its host. */
export async function gatherEngineFacts(
  deps: Pick<DoctorDeps, 'connect'>,
  config: EngineFacts['config'],
): Promise<EngineFacts> {
  let connected: EngineFacts['connected'];
  try {
    connected = await deps.connect();
  } catch (error) {
    return { error: toAgentctlError(error), config };
  }
  try {
    return { connected, info: await connected.runtime.fetchEngineInfo(), config };
  } catch {
    return { connected, config };
  }
}

export function checkEngine(facts: EngineFacts): CheckResult {
  const base = {
    id: 'engine',
    title: (
      facts.connected ? facts.connected.runtime.capabilities.cluster : facts.config?.config.backend === 'kubernetes'
    )
      ? 'Kubernetes cluster'
      : 'Container engine',
  } as const;
  if (facts.error) {
    if (facts.error.kind === 'config') {
      return { ...base, status: 'skip', message: 'not looked for: the configuration is invalid (see config)' };
    }
    return {
      ...base,
      status: 'fail',
      message: facts.error.message,
      fix: facts.error.hint,
      details: { code: facts.error.code, ...(facts.error.details ?? {}) },
    };
  }
  const { runtime, detected } = facts.connected!;
  // Rootless or rootful describes an engine on this machine; a cluster's nodes are not one.
  const rootless = runtime.capabilities.cluster ? undefined : facts.info?.rootless;
  const mode = rootless === undefined ? '' : rootless ? ', rootless' : ', rootful';
  return {
    ...base,
    status: 'ok',
    message: `${runtime.kind} ${runtime.version.version} (API ${runtime.version.apiVersion}) at ${runtime.endpoint.url} via ${detected.strategy}${mode}`,
    details: {
      strategy: detected.strategy,
      endpoint: runtime.endpoint.url,
      kind: runtime.kind,
      version: runtime.version.version,
      apiVersion: runtime.version.apiVersion,
      rootless: rootless ?? null,
      cgroupVersion: facts.info?.cgroupVersion ?? null,
      securityOptions: facts.info?.securityOptions ?? [],
      attempts: detected.attempts,
    },
  };
}
