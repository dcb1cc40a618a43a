import tls from 'node:tls';
import { createLeafCertificate, loadCa } from '../ca.js';
import type { RegisteredAgent } from './registrations.js';

const RENEW_AFTER_MS = 24 * 3_600_000;
const MAX_LEAVES_PER_AGENT = 500;

/**
 * The TLS context the proxy shows `agent` for `host`: a leaf certificate signed by the agent's own
 * CA, made on first use and kept in memory (renewed after a day; at most 500 hosts per agent, the
 * oldest dropped first). The leaf is for the host the agent asked CONNECT for, whatever name its
 * TLS client says in SNI: a client that names another host fails verification.
 */
export function getLeafContext(agent: RegisteredAgent, host: string, now = Date.now()): Promise<tls.SecureContext> {
  const cached = agent.leaves.get(host);
  if (cached && now - cached.created < RENEW_AFTER_MS) return cached.context;
  if (!agent.ca) {
    const ca = loadCa(agent.registration.ca);
    ca.catch(() => {
      if (agent.ca === ca) agent.ca = undefined;
    });
    agent.ca = ca;
  }
  const context = agent.ca.then(async (ca) => {
    const leaf = await createLeafCertificate(ca, host);
    // The chain the client gets: the leaf, then the agent's CA (which the client trusts).
    return tls.createSecureContext({
      cert: `${leaf.certPem.trimEnd()}\n${agent.registration.ca.certPem.trimEnd()}\n`,
      key: leaf.keyPem,
    });
  });
  // A failed one is not kept: the next connection tries again.
  context.catch(() => {
    if (agent.leaves.get(host)?.context === context) agent.leaves.delete(host);
  });
  agent.leaves.delete(host);
  agent.leaves.set(host, { context, created: now });
  if (agent.leaves.size > MAX_LEAVES_PER_AGENT) agent.leaves.delete(agent.leaves.keys().next().value!);
  return context;
}
