// tsyringe (used inside @peculiar/x509) needs the Reflect metadata API before it loads.
import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

/**
 * The per-agent certificate authority of the egress gateway. agentctl makes one CA per agent when
 * it starts the agent (the agent trusts it; the gateway signs the certificates it shows the agent
 * with it), and the gateway makes a leaf certificate for each host it intercepts.
 *
 * ECDSA P-256 over Node's WebCrypto, certificates built by @peculiar/x509. Measured on the shared
 * 2-CPU test machine under load (load average ~20), bundled by esbuild: loading this module
 * 250-400 ms, the first CA 40-120 ms, each further CA ~10 ms, each leaf 7-30 ms (100 in a row);
 * an RSA-2048 key alone takes 50-500 ms there. The CLI should load the module while it does other
 * start work (it is the module load, not the CA, that costs).
 * Heavy to load (~370 kB minified): import this module with `await import()` where it is used.
 */
export interface CertificateAndKey {
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
}

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);

const EC: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f; // positive
  bytes[0]! |= 0x01; // and without a leading zero byte to strip
  return bytes.toString('hex');
}

/** PEM ending in a newline, so that PEMs can be put one after another into a chain or bundle. */
function pem(cert: x509.X509Certificate): string {
  return `${cert.toString('pem').trimEnd()}\n`;
}

function escapeName(value: string): string {
  return value.replace(/[^A-Za-z0-9 ._-]/g, '_').slice(0, 48);
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key)).toString('base64');
  return `-----BEGIN PRIVATE KEY-----\n${der.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/**
 * A new CA for one agent: valid from an hour ago (clock skew between host and containers) for ten
 * years, usable only to sign certificates for servers (path length 0).
 */
export async function createAgentCa(agent: string, now = new Date()): Promise<CertificateAndKey> {
  const keys = (await crypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const name = `CN=agentctl egress CA for ${escapeName(agent)}, O=agentctl`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name,
    notBefore: new Date(now.getTime() - HOUR),
    notAfter: new Date(now.getTime() + 3650 * DAY),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: pem(cert), keyPem: await exportKeyPem(keys.privateKey) };
}

/** A CA loaded for signing: parse once, sign many. */
export interface LoadedCa {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

export async function loadCa(ca: CertificateAndKey): Promise<LoadedCa> {
  const cert = new x509.X509Certificate(ca.certPem);
  const der = createPrivateKey(ca.keyPem).export({ format: 'der', type: 'pkcs8' });
  const key = await crypto.subtle.importKey('pkcs8', der, EC, false, ['sign']);
  return { cert, key };
}

/**
 * The key pair of leaf certificates: one per process is enough (each leaf binds it to one host,
 * the CA's signature is what the client checks), and saves a key generation per host.
 */
let leafKeys: Promise<{ keys: CryptoKeyPair; keyPem: string }> | undefined;

function getLeafKeys(): Promise<{ keys: CryptoKeyPair; keyPem: string }> {
  leafKeys ??= (async () => {
    const keys = (await crypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
    return { keys, keyPem: await exportKeyPem(keys.privateKey) };
  })();
  return leafKeys;
}

/**
 * A server certificate for `host` (a DNS name or an IP address) signed by the agent's CA, valid
 * from an hour ago for 30 days (the gateway keeps it in memory and makes a new one after a day).
 */
export async function createLeafCertificate(ca: LoadedCa, host: string, now = new Date()): Promise<CertificateAndKey> {
  const { keys, keyPem } = await getLeafKeys();
  const literal = host.replace(/^\[(.*)\]$/, '$1');
  const alternative =
    isIP(literal) !== 0 ? { type: 'ip' as const, value: literal } : { type: 'dns' as const, value: host };
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${escapeName(literal)}`,
    issuer: ca.cert.subjectName,
    notBefore: new Date(now.getTime() - HOUR),
    notAfter: new Date(now.getTime() + 30 * DAY),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([alternative]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { certPem: pem(cert), keyPem };
}
