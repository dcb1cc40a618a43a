import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { GATEWAY_STATE_DIR, PROXY_PORT } from '../contract.js';
import type { Log } from './registrations.js';
import { createEgressProxy } from './server.js';

/**
 * The gateway's proxy program (bundled into dist/egress-proxy.cjs; runs with plain `node` >= 20).
 * Environment:
 * - AGENTCTL_EGRESS_STATE: the state directory (default GATEWAY_STATE_DIR), registrations under agents/.
 * - AGENTCTL_EGRESS_PORT: the port (default PROXY_PORT; 0 picks one, written in the `listening` line).
 * - AGENTCTL_EGRESS_UPSTREAM_CA: a PEM file of more CAs to trust for upstream servers (tests use it for
 *   their local HTTPS stand-ins), on top of Node's roots and the system bundle.
 * - AGENTCTL_EGRESS_TEST_ALLOW_LOOPBACK=1: TEST ONLY, loopback addresses become reachable.
 * Events go to stdout (one JSON line each), diagnostics to stderr (JSON lines too).
 */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];

const log: Log = (level, message, details) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...details })}\n`);
};

function readPem(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function upstreamCa(env: NodeJS.ProcessEnv): string[] {
  const system = SYSTEM_BUNDLES.map(readPem).find((pem) => pem !== undefined);
  const extra = env.AGENTCTL_EGRESS_UPSTREAM_CA;
  const extraPem = extra ? readPem(extra) : undefined;
  if (extra && extraPem === undefined)
    log('warn', 'AGENTCTL_EGRESS_UPSTREAM_CA cannot be read: not used', { file: extra });
  return [...tls.rootCertificates, ...(system ? [system] : []), ...(extraPem ? [extraPem] : [])];
}

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const allowLoopback = env.AGENTCTL_EGRESS_TEST_ALLOW_LOOPBACK === '1';
  if (allowLoopback) log('warn', 'TEST ONLY: AGENTCTL_EGRESS_TEST_ALLOW_LOOPBACK=1 makes loopback addresses reachable');
  const port = env.AGENTCTL_EGRESS_PORT === undefined ? PROXY_PORT : Number(env.AGENTCTL_EGRESS_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('AGENTCTL_EGRESS_PORT is not a port');
  const proxy = createEgressProxy({
    stateDir: env.AGENTCTL_EGRESS_STATE || GATEWAY_STATE_DIR,
    lookupAll: async (host) =>
      (await lookup(host, { all: true, verbatim: true })).map(({ address, family }) => ({
        address,
        family: family === 6 ? 6 : 4,
      })),
    emit: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
    log,
    upstreamCa: upstreamCa(env),
    allowLoopback,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'stopping', { signal });
    void proxy.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // One broken connection must not take every agent's network down with it.
  process.on('uncaughtException', (error) => log('error', 'uncaught exception', { error: error.message }));
  const listening = await proxy.listen(port);
  log('info', 'listening', { port: listening, agents: proxy.registrations.size });
}

main(process.env).catch((error: Error) => {
  log('error', 'cannot start', { error: error.message });
  process.exit(1);
});
