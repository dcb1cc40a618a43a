import { createRequire } from 'node:module';
import type { Endpoint } from '../endpoint.js';
import { joinFor } from './socket-paths.js';
import type { DetectionEnvironment, DetectionStrategy, StrategyCandidates } from './strategy.js';

/** The docker CLI's config dir: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir({ env, homedir, platform }: DetectionEnvironment): string {
  return env.DOCKER_CONFIG || joinFor(platform, homedir, '.docker');
}

/** Where the docker CLI keeps a context's metadata: contexts/meta/<sha256 of its name>/meta.json. */
export function contextMetaPath(configDir: string, name: string, platform: NodeJS.Platform = 'linux'): string {
  return joinFor(platform, configDir, 'contexts', 'meta', contextId(name), 'meta.json');
}

function contextId(name: string): string {
  // node:crypto (~3 ms to load) only when a context is named: every engine command loads this file.
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(name).digest('hex');
}

async function currentContextName(
  environment: DetectionEnvironment,
  configDir: string,
): Promise<{ name?: string; invalid?: string }> {
  if (environment.env.DOCKER_CONTEXT) return { name: environment.env.DOCKER_CONTEXT };
  const configFile = joinFor(environment.platform, configDir, 'config.json');
  if (!(await environment.fs.exists(configFile))) return {};
  try {
    const parsed = JSON.parse(await environment.fs.readFile(configFile)) as { currentContext?: unknown };
    return typeof parsed.currentContext === 'string' && parsed.currentContext ? { name: parsed.currentContext } : {};
  } catch (error) {
    return { invalid: `${configFile} is not valid JSON (${(error as Error).message})` };
  }
}

/** The current Docker context (DOCKER_CONTEXT, else currentContext in ~/.docker/config.json). */
export const dockerContextStrategy: DetectionStrategy = {
  name: 'docker-context',
  async candidates(environment): Promise<StrategyCandidates> {
    const configDir = dockerConfigDir(environment);
    const join = (...parts: string[]) => joinFor(environment.platform, ...parts);
    const current = await currentContextName(environment, configDir);
    if (current.invalid)
      return { endpoints: [], invalid: { endpoint: join(configDir, 'config.json'), detail: current.invalid } };
    const name = current.name;
    // "default" is DOCKER_HOST or the default socket, which later strategies cover.
    if (!name || name === 'default') return { endpoints: [], skipped: 'no current context (or "default")' };
    const metaPath = contextMetaPath(configDir, name, environment.platform);
    const label = `context "${name}"`;
    if (!(await environment.fs.exists(metaPath))) {
      return { endpoints: [], invalid: { endpoint: label, detail: `context not found: no ${metaPath}` } };
    }
    let host: unknown;
    let skipTlsVerify: boolean;
    try {
      const meta = JSON.parse(await environment.fs.readFile(metaPath)) as {
        Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: boolean } };
      };
      host = meta.Endpoints?.docker?.Host;
      skipTlsVerify = meta.Endpoints?.docker?.SkipTLSVerify === true;
    } catch (error) {
      return {
        endpoints: [],
        invalid: { endpoint: label, detail: `${metaPath} is not valid JSON (${(error as Error).message})` },
      };
    }
    if (typeof host !== 'string' || !host) {
      return { endpoints: [], invalid: { endpoint: label, detail: `${metaPath} has no Endpoints.docker.Host` } };
    }
    const endpoint: Endpoint = { url: host, source: `docker-context ${name}` };
    if (/^(tcp|https):\/\//i.test(host)) {
      const tlsDir = join(configDir, 'contexts', 'tls', contextId(name), 'docker');
      const read = async (file: string) =>
        (await environment.fs.exists(join(tlsDir, file))) ? environment.fs.readFile(join(tlsDir, file)) : undefined;
      const [ca, cert, key] = await Promise.all([read('ca.pem'), read('cert.pem'), read('key.pem')]);
      if (ca || cert || key) endpoint.tls = { verify: !skipTlsVerify, certPath: tlsDir, ca, cert, key };
    }
    // A selected context is the only endpoint tried, as with DOCKER_HOST (and as the docker CLI
    // does): a dead context must not quietly become another engine and its agents. Not so when
    // Podman was asked for (--runtime podman): a Docker context is the docker CLI's setting.
    return { endpoints: [endpoint], final: environment.runtime !== 'podman' };
  },
};
