import { join } from 'node:path';
import type { CommandContext } from './context.js';
import type { Config } from '../config/schema.js';
import type { StartAgentDeps } from '../core/agents/start-agent-types.js';
import type { PrepareDeps } from '../core/agents/start-options.js';
import { resolveAgentImage } from '../image/resolve-agent-image.js';
import { cachedEngineInfo } from '../runtime/engine-info-cache.js';
import { resolveImageDeps } from './resolve-image-deps.js';
import { getDataDir } from '../config/paths.js';
import { forwardedSshAgentSocket } from '../runtime/detect/forwarded-ssh-agent.js';

/**
 * What `start` and `run` hand to the core to create an agent. The engine info is kept for the
 * next command (GET /info is slow on Podman); the caller writes it with saveEngineInfoCache() only
 * once the agent started.
 */
export function agentStartDeps(
  context: CommandContext,
  config: Config,
): StartAgentDeps & Pick<PrepareDeps, 'forwardedSshSocket'> {
  const { io } = context;
  const hostUser = typeof process.getuid === 'function' ? { uid: process.getuid(), gid: process.getgid!() } : undefined;
  const forwardedSshSocket = forwardedSshAgentSocket(context.platform);
  return {
    cwd: context.cwd,
    env: context.env,
    platform: context.platform,
    config,
    signal: context.signal,
    hostUser,
    homedir: context.homedir,
    ...(forwardedSshSocket === undefined ? {} : { forwardedSshSocket }),
    runtime: () => context.runtime(),
    engineInfo: (runtime) => cachedEngineInfo(runtime, context.env),
    resolveImage: (runtime, request) => resolveAgentImage(resolveImageDeps(context, config, runtime), request),
    registerSecret: (value) => io.secrets.add(value),
    log: (message) => io.debug(message),
    warn: (message) => io.warnAlways(message),
    // The engine on this machine (a unix socket): a half-made container's processes are in /proc.
    reapProcesses: async (runtime, id) =>
      context.platform === 'linux' && runtime.endpoint.url.startsWith('unix://')
        ? (await import('../core/agents/container-process.js')).reapContainerProcesses(id)
        : [],
    gatewayFiles: async () => (await import('./egress-gateway-files.js')).egressGatewayFiles(context.env),
    imageBundles: lazyPemCache(join(getDataDir(config, context.env, context.homedir), 'egress-ca-bundles')),
    gatewayCerts: lazyPemCache(join(getDataDir(config, context.env, context.homedir), 'egress-gateway-cas')),
  };
}

/**
 * A cache of public certificates by id in the data directory (the images' CA bundles, the
 * gateways' CA certificates), its module loaded at first use (allowlist starts only).
 */
function lazyPemCache(dir: string): NonNullable<StartAgentDeps['imageBundles']> {
  const cache = () => import('./egress-gateway-files.js').then(({ imageBundleCache }) => imageBundleCache(dir));
  return {
    get: async (id) => (await cache()).get(id),
    set: async (id, pem) => (await cache()).set(id, pem),
  };
}
