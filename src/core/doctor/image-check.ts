import { BUILD_INFO } from '../../shared/build-info.js';
import { DOCKER_HUB, DOCKER_HUB_API_HOST, isLoopbackRegistry, registryOf } from '../../shared/image-reference.js';
import type { CheckResult, DoctorDeps, EngineFacts } from './check.js';

export const REGISTRY_TIMEOUT_MS = 5000;

/** The agent image agentctl would start: config `image.repository` / `image.tag`, else the pinned one. */
export function agentImageReference(facts: EngineFacts): string {
  const image = facts.config?.config.image;
  return `${image?.repository ?? BUILD_INFO.image.repository}:${image?.tag ?? BUILD_INFO.image.tag}`;
}

/** The host the registry of a reference answers at (Docker Hub's API host when none is named). */
export function registryHostOf(reference: string): string {
  const registry = registryOf(reference);
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

/** Registries on the loopback interface speak plain HTTP, as the engines allow for them. */
function registryUrls(registry: string): string[] {
  return isLoopbackRegistry(registry)
    ? [`https://${registry}/v2/`, `http://${registry}/v2/`]
    : [`https://${registry}/v2/`];
}

/** The agent image is present in the engine, or the registry it comes from answers. */
export async function checkImage(facts: EngineFacts, deps: Pick<DoctorDeps, 'fetchStatus'>): Promise<CheckResult> {
  const base = { id: 'image', title: 'Agent image' } as const;
  const reference = agentImageReference(facts);
  if (!facts.connected) return { ...base, status: 'skip', message: `${reference}: not checked without an engine` };
  try {
    const local = await facts.connected.runtime.inspectImage(reference);
    if (local) {
      return {
        ...base,
        status: 'ok',
        message: `${reference} is present (${local.id.replace(/^sha256:/, '').slice(0, 12)})`,
        details: { reference, present: true },
      };
    }
  } catch (error) {
    return {
      ...base,
      status: 'warn',
      message: `${reference}: the engine failed to inspect it (${(error as Error).message})`,
      fix: 'Run `agentctl doctor --verbose` again; restart the engine if this persists',
      details: { reference },
    };
  }
  const registry = registryHostOf(reference);
  if (facts.connected.runtime.capabilities.pullsOnStart) {
    // The nodes pull, not this machine: whether this machine reaches the registry says nothing about them.
    return {
      ...base,
      status: 'ok',
      message: `${reference} is on no node yet; the node an agent is placed on pulls it from ${registry} (a pull failure stops \`start\` with IMAGE_PULL_FAILED)`,
      details: { reference, present: false, registry },
    };
  }
  const failures: string[] = [];
  for (const url of registryUrls(registry)) {
    try {
      const status = await deps.fetchStatus(url, REGISTRY_TIMEOUT_MS);
      // 401 is a registry asking for credentials: reachable.
      if (status < 500) {
        return {
          ...base,
          status: 'ok',
          message: `${reference} is not pulled yet; ${registry} is reachable (HTTP ${status})`,
          details: { reference, present: false, registry, status },
        };
      }
      failures.push(`HTTP ${status}`);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  return {
    ...base,
    status: 'fail',
    message: `${reference} is not present and ${registry} is unreachable (${failures.join('; ')})`,
    fix: 'Check your network or proxy, or load the image into the engine (e.g. `docker load`) and rerun',
    details: { reference, present: false, registry },
  };
}
