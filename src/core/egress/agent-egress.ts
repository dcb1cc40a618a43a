import type { Config } from '../../config/schema.js';
import type { EgressPolicy } from '../../egress/contract.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import { ConflictError, InternalError, UsageError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import type { AgentFiles } from '../../runtime/agent-spec.js';
import type { Secret } from '../agents/secrets.js';
import { containerName } from '../agents/agent-name.js';
import { usesGateway, type EgressChoice } from './egress-policy.js';
import type { EgressOperations } from '../../runtime/egress-operations.js';
import { ensureGateway, GATEWAY_CA_FILE, getGatewayNames } from './gateway.js';
import {
  caFiles,
  fetchImageBundle,
  hasRegistration,
  prepareGatewayAgent,
  removeRegistration,
  SYSTEM_BUNDLE,
  writeAgentAddresses,
  writeRegistration,
  type AgentCa,
} from './gateway-agent.js';

/** EGRESS_UNSUPPORTED (exit 2): the backend has no egress gateway. */
export function checkEgressSupported(runtime: Pick<ContainerRuntime, 'egress'>, choice: EgressChoice): void {
  if (!usesGateway(choice.policy) || runtime.egress) return;
  throw new UsageError(
    'EGRESS_UNSUPPORTED',
    `--egress ${choice.policy} needs the egress gateway, which this backend does not have`,
    { hint: 'Use --egress open or none here, or the Docker, Podman or Kubernetes backend for allowlist and learn' },
  );
}

/** The labels that record an agent's egress (ls and a later start read them back). */
export function egressLabels(choice: EgressChoice): Record<string, string> {
  return {
    [LABELS.egress]: choice.policy,
    ...(usesGateway(choice.policy) ? { [LABELS.egressAllow]: choice.allow.join(',') } : {}),
  };
}

/** The policy an existing agent was created with (open for agents from before egress policies). */
export function getRecordedEgress(labels: Readonly<Record<string, string>>): EgressPolicy {
  const value = labels[LABELS.egress];
  return value === 'allowlist' || value === 'learn' || value === 'none' ? value : 'open';
}

/** What start-agent needs from the gateway for a new agent of policy allowlist or learn. */
export interface AgentEgressHooks {
  env: [string, string][];
  secrets: Secret[];
  network?: string;
  labels: Record<string, string>;
  /** Values never to print (the agent's proxy token). */
  redact: string[];
  /** Files for the agent's spec (its CA directory, when the image's CA bundle is known already). */
  files: AgentFiles[];
  /** After create, before start: the CA files into the agent, the registration into the gateway. */
  afterCreate(id: string): Promise<void>;
  /** After each start: the gateway learns the agent's address (its token is taken only from there). */
  afterStart(id: string): Promise<void>;
  /** A start that failed: the registration goes again. */
  discard(): Promise<void>;
}

const noStartHook = { afterStart: async () => undefined };

export interface AgentEgressDeps {
  env: NodeJS.ProcessEnv;
  config: Pick<Config, 'egress'>;
  log(message: string): void;
  /** A warning the user always sees (stderr): a backend that cannot keep the agent to the gateway. */
  warn?(message: string): void;
  /** The proxy program, and the extra upstream CAs (AGENTCTL_EGRESS_UPSTREAM_CA on this machine). */
  gatewayFiles?(): Promise<{ program: Buffer; upstreamCa?: Buffer }>;
  createCa?(agent: string): Promise<AgentCa>;
  /**
   * The image's own CA bundle, kept by image id (public certificates): a start of an image seen
   * before puts the agent's CA files into the container with its other files, not after create.
   */
  imageBundles?: {
    get(imageId: string): Promise<string | undefined>;
    set(imageId: string, bundle: string): Promise<void>;
  };
  /** The certificate of each gateway's CA, kept by the gateway's container id (public, like the above). */
  gatewayCerts?: {
    get(gatewayId: string): Promise<string | undefined>;
    set(gatewayId: string, certPem: string): Promise<void>;
  };
}

/**
 * Connects a new agent to the egress gateway (made or started when needed): its network, proxy
 * environment, placeholders and CA; the open and none policies get only their labels.
 */
export async function prepareAgentEgress(
  deps: AgentEgressDeps,
  runtime: ContainerRuntime,
  input: {
    name: string;
    choice: EgressChoice;
    secrets: Secret[];
    agentImage: string;
    imageId?: string;
    /** Called with the gateway's name before the agent's registration is written (the start journal). */
    beforeRegister?(gateway: string): Promise<void>;
  },
): Promise<AgentEgressHooks> {
  const { choice } = input;
  const labels = egressLabels(choice);
  if (!usesGateway(choice.policy) || !runtime.egress) {
    return {
      env: [],
      secrets: input.secrets,
      labels,
      redact: [],
      files: [],
      afterCreate: async () => undefined,
      ...noStartHook,
      discard: async () => undefined,
    };
  }
  const egress = runtime.egress;
  const names = getGatewayNames(deps.env);
  const createCa =
    deps.createCa ?? (async (agent: string) => (await import('../../egress/ca.js')).createAgentCa(agent));
  const imageId = input.imageId;
  const cachedBundle =
    imageId && deps.imageBundles ? deps.imageBundles.get(imageId).catch(() => undefined) : Promise.resolve(undefined);
  const files = deps.gatewayFiles ?? (() => Promise.reject(programMissing()));
  const gateway = await ensureGateway({
    runtime,
    egress,
    names,
    env: deps.env,
    log: deps.log,
    image: async () => deps.config.egress?.gatewayImage ?? input.agentImage,
    files,
    createCa: () => createCa(names.gateway),
  });
  // Said before the agent exists: a backend that cannot hold it to the gateway (warn, once per command).
  const warning = await egress.checkIsolation();
  if (warning) (deps.warn ?? deps.log)(warning);
  // The gateway's CA. A gateway of program 2 signs with its own for a registration that names it,
  // and its certificate (public) is kept here by the gateway's id: such a start reads nothing from
  // the gateway. Else one read; a gateway made before it had a CA: a CA of the agent's own.
  // Not on Kubernetes: a gateway Pod made again cannot read the CA on its claim before it runs,
  // so it makes a new one, and only registrations that carry their CA keep working.
  const sharedCa = gateway.program >= 2 && egress.isolation === 'network';
  const kept = sharedCa ? await deps.gatewayCerts?.get(gateway.id).catch(() => undefined) : undefined;
  let ca: { certPem: string; keyPem?: string };
  let caRef = false;
  if (kept) {
    ca = { certPem: kept };
    caRef = true;
  } else {
    const read = await readGatewayCa(egress, gateway.id);
    if (read && sharedCa) {
      caRef = true;
      await deps.gatewayCerts?.set(gateway.id, read.certPem).catch(() => undefined);
    }
    ca = read ?? (await createCa(input.name));
  }
  // On one network with the other agents (`network` isolation), an agent could hand another its
  // token: there it is taken only from the agent's own address, told to the gateway at each start.
  const addressBound = egress.isolation === 'network';
  // Where the gateway's network resolves container names, the gateway finds the agent's address
  // by its name: no write into the gateway after the start.
  const resolveName = gateway.program >= 2 && egress.resolvesNames ? containerName(input.name) : undefined;
  const agent = prepareGatewayAgent({
    name: input.name,
    choice,
    secrets: input.secrets,
    gateway,
    ca,
    caRef,
    addressBound,
    resolveName,
  });
  // Registered while the container is made (nothing knows the token yet); removed if the start fails.
  await input.beforeRegister?.(names.gateway);
  const registering = writeRegistration(egress, gateway.id, agent.registration);
  registering.catch(() => undefined);
  const bundle = await cachedBundle;
  return {
    env: agent.env,
    secrets: agent.secrets,
    // `policy` isolation: the agent stays on the default network (its labels select it).
    ...(egress.isolation === 'network' ? { network: names.internal } : {}),
    labels: { ...labels, [LABELS.egressGateway]: names.gateway },
    redact: [agent.registration.token],
    files: bundle === undefined ? [] : [caFiles(ca, bundle)],
    async afterCreate(id) {
      if (bundle === undefined) {
        const fetched = await fetchImageBundle(runtime, id);
        // Unreadable in a created container: the gateway's own (made from the agent's image unless
        // egress.gatewayImage names another), not kept for the agent's image.
        const used = fetched ?? (await egress.readGatewayFile(gateway.id, SYSTEM_BUNDLE))?.toString('utf8') ?? '';
        await runtime.copyFiles(id, caFiles(ca, used));
        if (fetched !== undefined && imageId && deps.imageBundles)
          await deps.imageBundles.set(imageId, fetched).catch(() => undefined);
      }
      await registering;
      deps.log(`registered ${input.name} with the egress gateway ${names.gateway} (${choice.policy})`);
    },
    ...(resolveName
      ? noStartHook
      : addressHook(runtime, egress, { name: input.name, gatewayId: gateway.id, network: names.internal })),
    async discard() {
      if (
        !(await registering.then(
          () => true,
          () => false,
        ))
      )
        return;
      await removeRegistration(runtime, egress, { id: gateway.id, running: true }, input.name).catch((error: unknown) =>
        deps.log(`could not remove the registration of ${input.name}: ${(error as Error).message}`),
      );
    },
  };
}

async function readGatewayCa(egress: EgressOperations, gatewayId: string): Promise<AgentCa | undefined> {
  const content = await egress.readGatewayFile(gatewayId, GATEWAY_CA_FILE);
  if (!content || content.length === 0) return undefined;
  try {
    const parsed = JSON.parse(content.toString('utf8')) as Partial<AgentCa>;
    return typeof parsed.certPem === 'string' && typeof parsed.keyPem === 'string'
      ? { certPem: parsed.certPem, keyPem: parsed.keyPem }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A stopped agent of a gateway policy started again: the gateway must run and still hold its
 * registration (in its volume); without it the agent's token and placeholders mean nothing.
 */
export async function resumeAgentEgress(
  deps: AgentEgressDeps,
  runtime: ContainerRuntime,
  input: { name: string; labels: Readonly<Record<string, string>>; agentImage: string },
): Promise<Pick<AgentEgressHooks, 'afterStart'>> {
  if (!usesGateway(getRecordedEgress(input.labels)) || !runtime.egress) return noStartHook;
  const names = getGatewayNames({ AGENTCTL_EGRESS_NAME: input.labels[LABELS.egressGateway] });
  const gateway = await ensureGateway({
    runtime,
    egress: runtime.egress,
    names,
    env: deps.env,
    log: deps.log,
    image: async () => deps.config.egress?.gatewayImage ?? input.agentImage,
    files: deps.gatewayFiles ?? (() => Promise.reject(programMissing())),
    createCa: async () =>
      deps.createCa ? deps.createCa(names.gateway) : (await import('../../egress/ca.js')).createAgentCa(names.gateway),
  });
  if (!(await hasRegistration(runtime.egress, gateway.id, input.name))) {
    throw new ConflictError('EGRESS_REGISTRATION_LOST', `The egress gateway no longer knows agent ${input.name}`, {
      hint: `Re-create the agent: \`agentctl rm ${input.name} --keep-branch\`, then start it again (its home volume is kept)`,
    });
  }
  return addressHook(runtime, runtime.egress, { name: input.name, gatewayId: gateway.id, network: names.internal });
}

/**
 * After each start, on a backend of `network` isolation: the agent's address on the gateway's
 * network, as the engine gave it at this start, into the gateway. Nothing elsewhere.
 */
function addressHook(
  runtime: ContainerRuntime,
  egress: EgressOperations,
  agent: { name: string; gatewayId: string; network: string },
): Pick<AgentEgressHooks, 'afterStart'> {
  if (egress.isolation !== 'network') return noStartHook;
  return {
    async afterStart(id) {
      const details = await runtime.inspectContainer(id);
      // An agent that already ended uses no token; one off the network has no address to hold it to.
      if (!details?.running) return;
      const address = details.networkAddresses?.[agent.network];
      await writeAgentAddresses(egress, agent.gatewayId, agent.name, address ? [address] : []);
    },
  };
}

export function programMissing(): InternalError {
  return new InternalError(
    'EGRESS_PROGRAM_MISSING',
    'This agentctl has no egress proxy program (dist/egress-proxy.cjs)',
    {
      hint: 'Reinstall agentctl (a build from source: `npm run build`), or use --egress open',
    },
  );
}

/** After `rm`: the agent's registration leaves its gateway (its token and secrets stop working). */
export async function unregisterAgentEgress(
  runtime: ContainerRuntime,
  name: string,
  labels: Readonly<Record<string, string>>,
): Promise<void> {
  if (!usesGateway(getRecordedEgress(labels))) return;
  await removeAgentRegistration(runtime, name, labels[LABELS.egressGateway]);
}

/** Agent NAME's registration out of gateway GATEWAY (the default gateway when undefined), if both exist. */
export async function removeAgentRegistration(
  runtime: ContainerRuntime,
  name: string,
  gatewayName: string | undefined,
): Promise<void> {
  if (!runtime.egress) return;
  const names = getGatewayNames({ AGENTCTL_EGRESS_NAME: gatewayName });
  const gateway = await runtime.egress.inspectGateway(names.gateway);
  if (!gateway) return;
  await removeRegistration(runtime, runtime.egress, gateway, name);
}
