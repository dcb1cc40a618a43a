import { defaultSocketStrategy } from './default-socket-strategy.js';
import { dockerHostStrategy } from './docker-host-strategy.js';
import { explicitStrategy } from './explicit-strategy.js';
import type { DetectionStrategy } from './strategy.js';

/** The order in which agentctl looks for an engine; the first endpoint that answers wins. */
export const DEFAULT_STRATEGIES: readonly DetectionStrategy[] = [explicitStrategy, dockerHostStrategy, defaultSocketStrategy];
