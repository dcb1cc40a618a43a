import { colimaStrategy } from './colima-strategy.js';
import { defaultSocketStrategy } from './default-socket-strategy.js';
import { dockerContextStrategy } from './docker-context-strategy.js';
import { dockerDesktopStrategy } from './docker-desktop-strategy.js';
import { dockerHostStrategy } from './docker-host-strategy.js';
import { explicitStrategy } from './explicit-strategy.js';
import { orbstackStrategy } from './orbstack-strategy.js';
import { podmanSocketStrategy } from './podman-socket-strategy.js';
import { rancherDesktopStrategy } from './rancher-desktop-strategy.js';
import { rootlessDockerStrategy } from './rootless-docker-strategy.js';
import type { DetectionStrategy } from './strategy.js';

/**
 * The order in which agentctl looks for an engine; the first endpoint that answers wins. It follows
 * the user's own CLI: what they said, then their environment, then their Docker context, then the
 * per-user sockets of Podman and the desktop engines, then the system-wide socket.
 */
export const DEFAULT_STRATEGIES: readonly DetectionStrategy[] = [
  explicitStrategy,
  dockerHostStrategy,
  dockerContextStrategy,
  podmanSocketStrategy,
  rootlessDockerStrategy,
  dockerDesktopStrategy,
  colimaStrategy,
  orbstackStrategy,
  rancherDesktopStrategy,
  defaultSocketStrategy,
];
