import { randomBytes } from 'node:crypto';
import {
  ADDRESS_FILE_SUFFIX,
  GATEWAY_CA_REF,
  GATEWAY_STATE_DIR,
  PROXY_PORT,
  PROXY_USER,
  REGISTRATION_VERSION,
  REGISTRATIONS_SUBDIR,
  type AgentRegistration,
  type RegistrationFile,
} from '../../egress/contract.js';
import type { AgentFiles } from '../../runtime/agent-spec.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { EgressOperations } from '../../runtime/egress-operations.js';
import { readTar } from '../../shared/tar.js';
import type { Secret } from '../agents/secrets.js';
import type { EgressChoice } from './egress-policy.js';
import { GATEWAY_USER, runInGateway, type RunningGateway } from './gateway.js';

/** Where an agent finds the CA of its gateway, and a bundle of it with the image's own CAs. */
export const AGENT_CA_DIR = '/run/agentctl-egress';
export const AGENT_CA_FILE = `${AGENT_CA_DIR}/ca.pem`;
export const AGENT_CA_BUNDLE = `${AGENT_CA_DIR}/ca-bundle.pem`;
/** Where Debian, Ubuntu, Alpine and Arch keep the system bundle (a link on some). */
export const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface AgentCa {
  certPem: string;
  keyPem: string;
}

/** What an agent of a gateway policy gets, and what the gateway gets for it. */
export interface GatewayAgent {
  /** Proxy and CA variables, and each bound secret's placeholder under its own name. */
  env: [string, string][];
  /** The secrets as the agent holds them: a bound secret's value is its placeholder. */
  secrets: Secret[];
  registration: RegistrationFile;
}

/** A placeholder: recognisable, as long as a real key would be, and different for every agent. */
export function makePlaceholder(name: string): string {
  return `agentctl-placeholder-${name.toLowerCase().replace(/_/g, '-')}-${randomBytes(16).toString('hex')}`;
}

/**
 * The agent's side of the gateway: a 256-bit token in its proxy URL (HTTPS_PROXY and friends,
 * NO_PROXY empty: everything goes through the gateway), its CA trusted (NODE_EXTRA_CA_CERTS adds
 * it to node's; SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and GIT_SSL_CAINFO name a
 * bundle with the image's own CAs, written after create), and each bound secret as a placeholder
 * (its variable and its /run/secrets file alike). The real values go only into the registration.
 */
export function prepareGatewayAgent(input: {
  name: string;
  choice: EgressChoice;
  secrets: Secret[];
  gateway: RunningGateway;
  /** The CA the agent trusts; without its key, the gateway's own (as with `caRef`). */
  ca: { certPem: string; keyPem?: string };
  /** The gateway signs with its own CA (program 2): the registration names it, not its key. */
  caRef?: boolean;
  /** The token is good only from the agent's own addresses (written after each start: writeAgentAddresses). */
  addressBound?: boolean;
  /** With addressBound: the container name the gateway's network resolves to the agent's address. */
  resolveName?: string;
}): GatewayAgent {
  const { choice } = input;
  const token = randomBytes(32).toString('hex');
  const proxy = `http://${PROXY_USER}:${token}@${input.gateway.address}:${PROXY_PORT}`;
  const env: [string, string][] = [
    ['HTTPS_PROXY', proxy],
    ['HTTP_PROXY', proxy],
    ['https_proxy', proxy],
    ['http_proxy', proxy],
    ['NO_PROXY', ''],
    ['no_proxy', ''],
    ['NODE_EXTRA_CA_CERTS', AGENT_CA_FILE],
    ['SSL_CERT_FILE', AGENT_CA_BUNDLE],
    ['REQUESTS_CA_BUNDLE', AGENT_CA_BUNDLE],
    ['CURL_CA_BUNDLE', AGENT_CA_BUNDLE],
    ['GIT_SSL_CAINFO', AGENT_CA_BUNDLE],
  ];
  const bound: AgentRegistration['secrets'] = [];
  const secrets = input.secrets.map((secret) => {
    const binding = choice.bindings.get(secret.name);
    if (!binding) return secret;
    const placeholder = makePlaceholder(secret.name);
    const value = secret.value.toString('utf8').trim();
    // One bound secret per header that carries it (the binding's own, then its `also`).
    for (const header of [{ header: binding.header, format: binding.format }, ...(binding.also ?? [])])
      bound.push({ name: secret.name, placeholder, value, hosts: binding.hosts, ...header });
    env.push([secret.name, placeholder]);
    return { ...secret, value: Buffer.from(placeholder), source: `${secret.source}, placeholder` };
  });
  const policy = choice.policy === 'learn' ? 'learn' : 'allowlist';
  return {
    env,
    secrets,
    registration: {
      version: REGISTRATION_VERSION,
      agent: input.name,
      token,
      policy,
      allow: choice.allow,
      // Without its key here, the CA can only be the gateway's own.
      ca:
        input.caRef || input.ca.keyPem === undefined
          ? GATEWAY_CA_REF
          : { certPem: input.ca.certPem, keyPem: input.ca.keyPem },
      secrets: bound,
      ...(input.addressBound ? { addressBound: true } : {}),
      ...(input.addressBound && input.resolveName ? { resolveName: input.resolveName } : {}),
    },
  };
}

const registrationFile = (name: string) => `${name}.json`;

/** Writes the agent's registration (0600, the gateway's user's): the proxy picks it up by itself. */
export async function writeRegistration(
  egress: EgressOperations,
  gatewayId: string,
  registration: RegistrationFile,
): Promise<void> {
  await egress.writeGatewayFiles(gatewayId, `${GATEWAY_STATE_DIR}/${REGISTRATIONS_SUBDIR}`, [
    {
      name: registrationFile(registration.agent),
      type: 'file',
      mode: 0o600,
      uid: GATEWAY_USER.uid,
      gid: GATEWAY_USER.gid,
      content: Buffer.from(JSON.stringify(registration)),
    },
  ]);
}

/**
 * Tells the gateway agent NAME's addresses (the engine gave them at this start): its token is
 * taken only from them (an agent's address may change at each start).
 */
export async function writeAgentAddresses(
  egress: EgressOperations,
  gatewayId: string,
  name: string,
  addresses: string[],
): Promise<void> {
  await egress.writeGatewayFiles(gatewayId, `${GATEWAY_STATE_DIR}/${REGISTRATIONS_SUBDIR}`, [
    {
      name: `${name}${ADDRESS_FILE_SUFFIX}`,
      type: 'file',
      mode: 0o600,
      uid: GATEWAY_USER.uid,
      gid: GATEWAY_USER.gid,
      content: Buffer.from(addresses.map((address) => `${address}\n`).join('')),
    },
  ]);
}

/** Whether the gateway holds a registration of agent NAME (a restarted agent needs it). */
export async function hasRegistration(egress: EgressOperations, gatewayId: string, name: string): Promise<boolean> {
  const path = `${GATEWAY_STATE_DIR}/${REGISTRATIONS_SUBDIR}/${registrationFile(name)}`;
  return (await egress.readGatewayFile(gatewayId, path)) !== undefined;
}

/**
 * Removes agent NAME's registration: its token and secrets stop working at once. Run in the
 * gateway (the archive API writes, it cannot remove); a gateway that does not run gets an empty
 * file over it, which the proxy does not load.
 */
export async function removeRegistration(
  runtime: ContainerRuntime,
  egress: EgressOperations,
  gateway: { id: string; running: boolean },
  name: string,
): Promise<void> {
  const dir = `${GATEWAY_STATE_DIR}/${REGISTRATIONS_SUBDIR}`;
  // The registration, and the addresses its token was good from.
  const files = [registrationFile(name), `${name}${ADDRESS_FILE_SUFFIX}`];
  if (gateway.running) {
    const paths = JSON.stringify(files.map((file) => `${dir}/${file}`));
    const code = await runInGateway(runtime, gateway.id, [
      'node',
      '-e',
      `for (const file of ${paths}) require('fs').rmSync(file, { force: true })`,
    ]);
    if (code === 0) return;
  }
  await egress.writeGatewayFiles(
    gateway.id,
    dir,
    files.map((file) => ({
      name: file,
      type: 'file' as const,
      mode: 0o600,
      uid: GATEWAY_USER.uid,
      gid: GATEWAY_USER.gid,
    })),
  );
}

/**
 * The image's own CA bundle, read from the created (not started) agent; empty when it has none;
 * undefined when the backend cannot read a created container's files (Kubernetes: a Pod's files
 * are reached only by exec, and the agent does not run yet).
 */
export async function fetchImageBundle(runtime: ContainerRuntime, id: string): Promise<string | undefined> {
  let path = SYSTEM_BUNDLE;
  for (let hop = 0; hop < 4; hop++) {
    let stat;
    try {
      stat = await runtime.archive.fetchPathStat(id, path);
    } catch {
      return hop === 0 ? undefined : '';
    }
    if (!stat) return '';
    if (stat.kind === 'symlink') {
      path = stat.linkTarget.startsWith('/')
        ? stat.linkTarget
        : `${path.slice(0, path.lastIndexOf('/'))}/${stat.linkTarget}`;
      continue;
    }
    if (stat.kind !== 'file' || stat.size > 4 * 1024 ** 2) return '';
    const { stream } = await runtime.archive.fetchArchive(id, path);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    const file = (await readTar(Buffer.concat(chunks))).find((entry) => entry.type === 'file');
    return file?.content?.toString('utf8') ?? '';
  }
  return '';
}

/** The agent's CA directory: its CA, and the bundle (the image's CAs, then its CA). */
export function caFiles(ca: Pick<AgentCa, 'certPem'>, imageBundle: string): AgentFiles {
  const bundle = `${imageBundle.trimEnd()}${imageBundle.trim() ? '\n' : ''}${ca.certPem.trimEnd()}\n`;
  return {
    dir: AGENT_CA_DIR,
    mode: 0o555,
    files: [
      { name: 'ca.pem', mode: 0o444, content: Buffer.from(ca.certPem) },
      { name: 'ca-bundle.pem', mode: 0o444, content: Buffer.from(bundle) },
    ],
  };
}
