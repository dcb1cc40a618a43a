import { BUILD_INFO, type ImagePins } from '../shared/build-info.js';
import type { EngineVersion } from '../runtime/container-runtime.js';
import { isAgentctlError } from '../shared/errors.js';

export interface VersionReport {
  cli: { version: string; node: string };
  /**
   * The agent image agentctl runs (config `image.repository` / `image.tag`, e.g. AGENTCTL_IMAGE_TAG,
   * else the one pinned in this release), where each part came from, and the pinned one.
   * `local`: whether the engine has it (null when the engine was not reachable).
   */
  image: {
    repository: string;
    tag: string;
    reference: string;
    /** "pinned", or the config source that set it ("env AGENTCTL_IMAGE_TAG", a file path, "flag …"). */
    source: { repository: string; tag: string };
    pinned: string;
    /**
     * The digest this release recorded for the pinned image (`agentImage.digests.base`), and every
     * stack's; null / empty in a development build, where the tag is used as it is.
     */
    pinnedDigest: string | null;
    pinnedDigests: Record<string, string>;
    local: { present: boolean; id: string | null; digest: string | null } | null;
  };
  engine:
    | { reachable: true; kind: string; version: string; apiVersion: string; endpoint: string; source: string }
    | { reachable: false; error: { code: string; message: string; hint: string } };
}

export interface VersionDeps {
  nodeVersion: string;
  /** Connects to the engine; may throw (no engine is not an error for `version`). */
  fetchEngine: () => Promise<{
    version: EngineVersion;
    endpoint: string;
    source: string;
    /** Looks an image up on that engine (id and RepoDigests), undefined when absent. */
    inspectImage?: (reference: string) => Promise<{ id: string; repoDigests: string[] } | undefined>;
  }>;
  /** The release's pins (BUILD_INFO.image unless a test gives others). */
  pins?: ImagePins;
  /** The configured image (config `image.*`) and where each part came from. */
  configuredImage?: { repository?: string; tag?: string; sources?: { repository?: string; tag?: string } };
}

/** What `agentctl version` reports: the CLI, the image it runs (as doctor and `image resolve` see it), and the engine when reachable. */
export async function fetchVersionReport(deps: VersionDeps): Promise<VersionReport> {
  const configured = deps.configuredImage;
  const pins = deps.pins ?? BUILD_INFO.image;
  const repository = configured?.repository ?? pins.repository;
  const tag = configured?.tag ?? pins.tag;
  const source = {
    repository: configured?.repository === undefined ? 'pinned' : (configured.sources?.repository ?? 'config'),
    tag: configured?.tag === undefined ? 'pinned' : (configured.sources?.tag ?? 'config'),
  };
  const report: VersionReport = {
    cli: { version: BUILD_INFO.version, node: deps.nodeVersion },
    image: {
      repository,
      tag,
      reference: `${repository}:${tag}`,
      source,
      pinned: `${pins.repository}:${pins.tag}`,
      pinnedDigest: pins.digests['base'] ?? null,
      pinnedDigests: { ...pins.digests },
      local: null,
    },
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
    if (engine.inspectImage !== undefined) {
      const byDigest = report.image.reference === report.image.pinned && report.image.pinnedDigest !== null;
      const lookup = byDigest ? `${repository}@${report.image.pinnedDigest}` : report.image.reference;
      const found = await engine.inspectImage(lookup).catch(() => undefined);
      const entry = found?.repoDigests.find((digest) => digest.startsWith(`${repository}@`)) ?? found?.repoDigests[0];
      report.image.local = {
        present: found !== undefined,
        id: found?.id ?? null,
        digest: entry?.includes('@') ? entry.slice(entry.indexOf('@') + 1) : null,
      };
    }
  } catch (error) {
    if (!isAgentctlError(error)) throw error;
    report.engine = { reachable: false, error: { code: error.code, message: error.message, hint: error.hint } };
  }
  return report;
}
