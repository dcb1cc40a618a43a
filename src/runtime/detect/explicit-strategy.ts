import { parseEndpoint } from '../endpoint.js';
import type { DetectionStrategy } from './strategy.js';

/** --host, `host` in config, or AGENTCTL_HOST: the user said where; nothing else is tried. */
export const explicitStrategy: DetectionStrategy = {
  name: 'explicit',
  async candidates(environment) {
    if (!environment.host) return { endpoints: [] };
    const url = environment.host.includes('://') ? environment.host : `unix://${environment.host}`;
    // A malformed endpoint the user typed is a usage error (INVALID_HOST, exit 2), not "no engine".
    parseEndpoint(url);
    return { endpoints: [{ url, source: 'explicit', expectedKind: environment.runtime }], final: true };
  },
};
