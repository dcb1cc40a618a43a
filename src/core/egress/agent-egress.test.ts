import { describe, expect, it } from 'vitest';
import { checkEgressSupported } from './agent-egress.js';
import type { EgressChoice } from './egress-policy.js';

const choice = (policy: EgressChoice['policy']): EgressChoice => ({ policy, allow: [], bindings: new Map() });
const engine = { egress: {} as never };
const without = { egress: undefined };

describe('checkEgressSupported', () => {
  it('lets every policy through on a backend with the egress gateway', () => {
    for (const policy of ['open', 'none', 'allowlist', 'learn'] as const)
      expect(() => checkEgressSupported(engine, choice(policy))).not.toThrow();
  });

  it('refuses allowlist and learn on a backend without it, with a usage error', () => {
    expect(() => checkEgressSupported(without, choice('open'))).not.toThrow();
    expect(() => checkEgressSupported(without, choice('none'))).not.toThrow();
    for (const policy of ['allowlist', 'learn'] as const)
      expect(() => checkEgressSupported(without, choice(policy))).toThrow(
        expect.objectContaining({ code: 'EGRESS_UNSUPPORTED', kind: 'usage' }),
      );
  });
});
