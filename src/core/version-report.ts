import { BUILD_INFO } from './build-info.js';
import type { EngineVersion } from '../runtime/container-runtime.js';
import { isAgentctlError } from './errors.js';

export interface VersionReport {
  cli: { version: string; node: string };
  image: { repository: string; tag: string; reference: string };
  engine:
    | { reachable: true; kind: string; version: string; apiVersion: string; endpoint: string; source: string }
    | { reachable: false; error: { code: string; message: string; hint: string } };
}

export interface VersionDeps {
  nodeVersion: string;
  /** Connects to the engine; may throw (no engine is not an error for `version`). */
  fetchEngine: () => Promise<{ version: EngineVersion; endpoint: string; source: string }>;
  imageOverride?: { repository?: string; tag?: string };
}

/** What `agentctl version` reports: the CLI, its pinned image, and the engine when reachable. */
export async function fetchVersionReport(deps: VersionDeps): Promise<VersionReport> {
  const repository = deps.imageOverride?.repository ?? BUILD_INFO.image.repository;
  const tag = deps.imageOverride?.tag ?? BUILD_INFO.image.tag;
  const report: VersionReport = {
    cli: { version: BUILD_INFO.version, node: deps.nodeVersion },
    image: { repository, tag, reference: `${repository}:${tag}` },
    engine: { reachable: false, error: { code: 'RUNTIME_NOT_FOUND', message: 'not checked', hint: '' } },
  };
  try {
    const engine = await deps.fetchEngine();
    report.engine = {
      reachable: true,
      kind: engine.version.kind,
      version: engine.version.version,
      apiVersion: engine.version.apiVersion,
      endpoint: engine.endpoint,
      source: engine.source,
    };
  } catch (error) {
    if (!isAgentctlError(error)) throw error;
    report.engine = { reachable: false, error: { code: error.code, message: error.message, hint: error.hint } };
  }
  return report;
}
