import { isIP } from 'node:net';
import { addressToBigInt, inRange, type HostPattern } from './host-pattern.js';

/**
 * Which addresses an agent may reach through the gateway, whatever its policy. Checked on the
 * addresses a name resolves to (all of them), and the connection then goes to a checked address:
 * the proxy never looks the name up a second time, so a DNS answer that changes between the check
 * and the connect (DNS rebinding) cannot smuggle in an address that was not checked.
 *
 * - never: loopback, link-local (with the cloud metadata services), unspecified, multicast,
 *   reserved and broadcast; also inside IPv4-mapped, IPv4-compatible and NAT64 IPv6 forms.
 * - private (RFC 1918, shared address space, unique local IPv6): only when an allow entry of the
 *   agent names that address or a range holding it (`10.0.0.5`, `10.0.0.0/8`), whatever the policy.
 */
interface Range {
  base: string;
  prefix: number;
  reason: string;
}

const NEVER: readonly Range[] = [
  { base: '169.254.169.254', prefix: 32, reason: 'cloud metadata address' },
  { base: '100.100.100.200', prefix: 32, reason: 'cloud metadata address' },
  { base: 'fd00:ec2::254', prefix: 128, reason: 'cloud metadata address' },
  { base: '0.0.0.0', prefix: 8, reason: 'unspecified address' },
  { base: '127.0.0.0', prefix: 8, reason: 'loopback address' },
  { base: '169.254.0.0', prefix: 16, reason: 'link-local address' },
  { base: '224.0.0.0', prefix: 4, reason: 'multicast address' },
  { base: '240.0.0.0', prefix: 4, reason: 'reserved address' },
  { base: '::', prefix: 128, reason: 'unspecified address' },
  { base: '::1', prefix: 128, reason: 'loopback address' },
  { base: 'fe80::', prefix: 10, reason: 'link-local address' },
  { base: 'ff00::', prefix: 8, reason: 'multicast address' },
];

const PRIVATE: readonly Range[] = [
  { base: '10.0.0.0', prefix: 8, reason: 'private address' },
  { base: '172.16.0.0', prefix: 12, reason: 'private address' },
  { base: '192.168.0.0', prefix: 16, reason: 'private address' },
  { base: '100.64.0.0', prefix: 10, reason: 'shared (carrier-grade NAT) address' },
  { base: 'fc00::', prefix: 7, reason: 'private address' },
  { base: 'fec0::', prefix: 10, reason: 'site-local address' },
];

/** IPv6 prefixes whose last 32 bits are an IPv4 address that a packet to them reaches. */
const EMBEDS_IPV4: readonly { base: string; prefix: number }[] = [
  { base: '::ffff:0:0', prefix: 96 }, // IPv4-mapped
  { base: '64:ff9b::', prefix: 96 }, // NAT64 well-known prefix
  { base: '::', prefix: 96 }, // IPv4-compatible (deprecated); `::` and `::1` are caught before
];

export interface AddressRuleOptions {
  /** Allow entries of the agent; only their address and range entries matter here. */
  allow: readonly HostPattern[];
  /**
   * Test-only: loopback addresses are reachable (AGENTCTL_EGRESS_TEST_ALLOW_LOOPBACK=1, so that a
   * test's stand-in services on 127.0.0.1 can be reached). Never set in a gateway.
   */
  allowLoopback?: boolean;
}

function embeddedIpv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const range = EMBEDS_IPV4.find((embed) => inRange(address, embed.base, embed.prefix));
  if (!range) return undefined;
  const value = addressToBigInt(address)!.value & 0xffffffffn;
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/**
 * Why the agent may not connect to `address` (an IP address), or undefined when it may. The reason
 * is the few words of an event's `reason`.
 */
export function getAddressRefusal(address: string, options: AddressRuleOptions): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const never = NEVER.find((range) => inRange(address, range.base, range.prefix));
  if (never) {
    if (options.allowLoopback && never.reason === 'loopback address') return undefined;
    return never.reason;
  }
  const v4 = embeddedIpv4(address);
  if (v4 !== undefined) {
    const inner = getAddressRefusal(v4, options);
    return inner === undefined ? undefined : `${inner} (IPv4 in IPv6)`;
  }
  const privateRange = PRIVATE.find((range) => inRange(address, range.base, range.prefix));
  if (privateRange) {
    const named = options.allow.some(
      (pattern) => pattern.kind === 'address' && inRange(address, pattern.address, pattern.prefix),
    );
    return named ? undefined : `${privateRange.reason} not named in the allowlist`;
  }
  return undefined;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type LookupAll = (host: string) => Promise<ResolvedAddress[]>;

export type ResolveResult = { ok: true; address: ResolvedAddress } | { ok: false; reason: string };

/**
 * Resolves `host` (a name or an address literal) and checks every address it has: one refused
 * address refuses the host (a name that resolves to a public and a loopback address is refused,
 * so no retry or happy-eyeballs order can reach the loopback one). On success, the address to
 * connect to: the first one of the answer, which was checked.
 */
export async function resolveCheckedAddress(
  host: string,
  lookupAll: LookupAll,
  options: AddressRuleOptions,
): Promise<ResolveResult> {
  const literal = host.replace(/^\[(.*)\]$/, '$1');
  let addresses: ResolvedAddress[];
  if (isIP(literal) !== 0) {
    addresses = [{ address: literal, family: isIP(literal) as 4 | 6 }];
  } else {
    try {
      addresses = await lookupAll(host);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return { ok: false, reason: `name not resolved${typeof code === 'string' ? ` (${code})` : ''}` };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: 'name not resolved' };
  for (const { address } of addresses) {
    const refusal = getAddressRefusal(address, options);
    if (refusal) return { ok: false, reason: refusal };
  }
  return { ok: true, address: addresses[0]! };
}
