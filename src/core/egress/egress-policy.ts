import type { Config } from '../../config/schema.js';
import type { EgressPolicy } from '../../egress/contract.js';
import { UsageError } from '../../shared/errors.js';
import { normaliseAllowList } from './allow-entry.js';
import { getSecretBinding, type SecretBinding } from './secret-bindings.js';

export const EGRESS_POLICIES = ['open', 'allowlist', 'learn', 'none'] as const satisfies readonly EgressPolicy[];
/** The policy of an agent no flag, profile or config chose (issue 17 wants `allowlist` later). */
export const DEFAULT_EGRESS_POLICY: EgressPolicy = 'open';

/** What goes through the gateway: `allowlist` and `learn`. */
export function usesGateway(policy: EgressPolicy): policy is 'allowlist' | 'learn' {
  return policy === 'allowlist' || policy === 'learn';
}

export interface EgressChoice {
  policy: EgressPolicy;
  /** Normalised host patterns (config, profile, --allow, then the bound secrets' own hosts). */
  allow: string[];
  /** Secrets (by name) the gateway injects: only with a gateway policy. */
  bindings: Map<string, SecretBinding>;
}

export interface EgressInput {
  /** `--egress` */
  policy?: string;
  /** `--allow` entries */
  allow: string[];
  profile?: { policy?: EgressPolicy; allow?: string[] };
  /** The profile's `credentials` (secrets bound to its service). */
  credentials?: Record<string, { hosts: string[]; header: string; format?: string }>;
  profileName?: string;
  config: Pick<Config, 'egress' | 'network'>;
  /** `--network` */
  network?: string;
  dockerAccess: 'none' | 'socket';
  /** The names of the agent's secrets. */
  secrets: string[];
}

/** The agent's egress: flag over profile over config over the default; every entry checked. */
export function resolveEgress(input: EgressInput): EgressChoice {
  const given = input.policy;
  if (given !== undefined && !(EGRESS_POLICIES as readonly string[]).includes(given)) {
    throw new UsageError('INVALID_EGRESS', `Invalid --egress "${given}"`, {
      hint: `Use one of: ${EGRESS_POLICIES.join(', ')}`,
    });
  }
  const policy = (given as EgressPolicy | undefined) ?? input.profile?.policy ?? input.config.egress?.policy;
  const chosen = policy ?? DEFAULT_EGRESS_POLICY;
  if (input.allow.length > 0 && !usesGateway(chosen)) {
    throw new UsageError('EGRESS_CONFLICT', `--allow needs --egress allowlist or learn (the policy is ${chosen})`, {
      hint: `Add --egress allowlist, or drop --allow`,
    });
  }
  const network = input.network ?? input.config.network;
  if (
    policy !== undefined &&
    chosen !== 'open' &&
    network !== undefined &&
    !(chosen === 'none' && network === 'none')
  ) {
    throw new UsageError(
      'EGRESS_CONFLICT',
      `--egress ${chosen} decides the agent's network; --network ${network} too`,
      {
        hint: `Drop --network (or the config key network), or use --egress open`,
      },
    );
  }
  if (usesGateway(chosen) && input.dockerAccess === 'socket') {
    throw new UsageError('EGRESS_CONFLICT', `--docker-access socket would let the agent go around --egress ${chosen}`, {
      hint: 'Drop --docker-access socket, or use --egress open',
    });
  }
  if (!usesGateway(chosen)) return { policy: chosen, allow: [], bindings: new Map() };
  const bindings = new Map<string, SecretBinding>();
  for (const name of input.secrets) {
    const binding = getSecretBinding(
      name,
      input.config,
      input.profileName === undefined ? undefined : { name: input.profileName, credentials: input.credentials },
    );
    if (binding) bindings.set(name, binding);
  }
  const allow = [
    ...normaliseAllowList(input.config.egress?.allow ?? [], 'the config key egress.allow'),
    ...normaliseAllowList(input.profile?.allow ?? [], `agents.${input.profileName ?? '?'}.egress.allow`),
    ...normaliseAllowList(input.allow, '--allow'),
    ...[...bindings.values()].flatMap((binding) => binding.hosts),
  ];
  return { policy: chosen, allow: [...new Set(allow)], bindings };
}
