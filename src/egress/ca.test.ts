import { X509Certificate, createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createAgentCa, createLeafCertificate, loadCa } from './ca.js';

async function handshake(
  server: { certPem: string; keyPem: string },
  caPem: string,
  servername: string,
): Promise<{ authorized: boolean; error?: string }> {
  const listener = tls.createServer({ cert: server.certPem, key: server.keyPem }, (socket) => socket.end());
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  try {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: (listener.address() as AddressInfo).port,
      servername: servername.includes(':') || /^\d/.test(servername) ? undefined : servername,
      ca: caPem,
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(servername, cert),
      rejectUnauthorized: false,
    });
    await once(socket, 'secureConnect');
    const result = { authorized: socket.authorized, error: socket.authorizationError?.toString() };
    socket.destroy();
    return result;
  } finally {
    listener.close();
  }
}

describe('the agent CA', () => {
  it('is a P-256 CA that can sign only (path length 0), named after the agent', async () => {
    const ca = await createAgentCa('fixer');
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toContain('agentctl egress CA for fixer');
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
    expect(createPrivateKey(ca.keyPem).asymmetricKeyType).toBe('ec');
    expect(new Date(cert.validFrom).getTime()).toBeLessThan(Date.now());
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 3000 * 86_400_000);
    const other = await createAgentCa('fixer');
    expect(other.certPem).not.toBe(ca.certPem);
    expect(other.keyPem).not.toBe(ca.keyPem);
  });

  it('signs leaf certificates that a TLS client trusting the CA accepts for that host only', async () => {
    const ca = await createAgentCa('fixer');
    const leaf = await createLeafCertificate(await loadCa(ca), 'api.example.com');
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(cert.checkHost('api.example.com')).toBe('api.example.com');
    expect(cert.checkHost('other.example.com')).toBeUndefined();
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1');

    expect(await handshake(leaf, ca.certPem, 'api.example.com')).toEqual({ authorized: true, error: undefined });
    expect(await handshake(leaf, ca.certPem, 'other.example.com')).toEqual({
      authorized: false,
      error: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    const stranger = await createAgentCa('someone-else');
    expect(await handshake(leaf, stranger.certPem, 'api.example.com')).toMatchObject({ authorized: false });
  });

  it('makes leaves for address literals with an IP subject alternative name', async () => {
    const ca = await loadCa(await createAgentCa('fixer'));
    expect(new X509Certificate((await createLeafCertificate(ca, '192.0.2.7')).certPem).checkIP('192.0.2.7')).toBe(
      '192.0.2.7',
    );
    expect(new X509Certificate((await createLeafCertificate(ca, '[2001:db8::1]')).certPem).checkIP('2001:db8::1')).toBe(
      '2001:db8::1',
    );
  });
});
