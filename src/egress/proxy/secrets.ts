import { isHostAllowed } from '../host-pattern.js';
import type { PreparedSecret } from './registrations.js';

/**
 * Putting real secret values into a request, and only where they belong. For each bound secret:
 *
 * - The request goes to one of the secret's hosts over TLS that the proxy verified, and the
 *   secret's header carries its placeholder: the placeholder is replaced by the real value there
 *   (also inside `Basic` credentials, which git sends as base64 of `user:password`). When the
 *   header is the placeholder alone, it is written as the secret's `format` (`Bearer {value}`).
 * - Anywhere else (another host, plain HTTP, another header, the URL): left as it is, and the
 *   secret's name is reported in `placeholderRefused`.
 *
 * A header without the placeholder is never touched, and a header is never added: a request the
 * agent sends without a placeholder goes out as the agent wrote it. Bodies are not inspected.
 */
export interface RequestTarget {
  host: string;
  port: number;
  /** TLS to the real host, its certificate verified. Plain HTTP never gets a real value. */
  tls: boolean;
}

export type HeaderValues = Record<string, string | string[] | undefined>;

export interface RewriteResult {
  headers: HeaderValues;
  injected: string[];
  placeholderRefused: string[];
}

const BASIC = /^(\s*basic\s+)([A-Za-z0-9+/=_-]+)(\s*)$/i;

function decodeBasic(value: string): { prefix: string; decoded: string; suffix: string } | undefined {
  const match = BASIC.exec(value);
  if (!match) return undefined;
  return { prefix: match[1]!, decoded: Buffer.from(match[2]!, 'base64').toString('utf8'), suffix: match[3]! };
}

function contains(value: string, placeholder: string): boolean {
  if (value.includes(placeholder)) return true;
  const basic = decodeBasic(value);
  return basic !== undefined && basic.decoded.includes(placeholder);
}

function replace(value: string, secret: PreparedSecret): string {
  if (value.trim() === secret.placeholder) return secret.format.split('{value}').join(secret.value);
  if (value.includes(secret.placeholder)) return value.split(secret.placeholder).join(secret.value);
  const basic = decodeBasic(value)!;
  const decoded = basic.decoded.split(secret.placeholder).join(secret.value);
  return `${basic.prefix}${Buffer.from(decoded, 'utf8').toString('base64')}${basic.suffix}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The request's headers (lower-case names, as Node gives them) with the secrets that belong put in. */
export function rewriteRequestHeaders(
  headers: HeaderValues,
  url: string,
  secrets: readonly PreparedSecret[],
  target: RequestTarget,
): RewriteResult {
  const out: HeaderValues = { ...headers };
  const injected = new Set<string>();
  // First every secret into its header (one secret may be bound to several headers: x-api-key
  // and authorization for the same key), then what is left anywhere: refused.
  for (const secret of secrets) {
    if (!target.tls || !isHostAllowed(secret.hostPatterns, target.host, target.port)) continue;
    const value = out[secret.header];
    if (typeof value === 'string' && contains(value, secret.placeholder)) {
      out[secret.header] = replace(value, secret);
      injected.add(secret.name);
    }
  }
  const placeholderRefused = new Set<string>();
  for (const secret of secrets) {
    const left =
      url.includes(secret.placeholder) ||
      safeDecode(url).includes(secret.placeholder) ||
      Object.values(out).some(
        (value) =>
          value !== undefined &&
          (Array.isArray(value) ? value : [value]).some((item) => contains(item, secret.placeholder)),
      );
    if (left) placeholderRefused.add(secret.name);
  }
  return { headers: out, injected: [...injected], placeholderRefused: [...placeholderRefused] };
}
