import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The certificate of the egress tests' HTTPS stand-ins (its own CA) for the IP `addresses` they
 * listen on, which the gateway trusts through AGENTCTL_EGRESS_UPSTREAM_CA. Made synchronously, so
 * a test can make it before anything else (a repository that names it).
 */
export function makeStandInCertificate(...addresses: string[]): { certPem: string; keyPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agentctl-standin-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=agentctl test stand-in',
        '-addext',
        `subjectAltName=${addresses.map((address) => `IP:${address}`).join(',')}`,
      ],
      { stdio: 'ignore' },
    );
    return { certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
