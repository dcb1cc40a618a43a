import { GATEWAY_CA_FILE_NAME, GATEWAY_STATE_DIR, PROXY_PORT, REGISTRATIONS_SUBDIR } from '../../egress/contract.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { EgressOperations, NetworkDetails } from '../../runtime/egress-operations.js';
import { ConflictError, EngineError, isAgentctlError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';

/**
 * The egress gateway: one long-lived container per engine (not per agent: a network per agent
 * cost ~300 ms per start and the engines' address pools ran out after ~30), made on demand at the
 * first agent that needs it and reused after. It is on two networks: `<name>-internal` (internal:
 * no route out; agents are on it and nothing else) and `<name>-external` (its own way out). Its
 * state (the proxy program, the agents' registrations) is in the volume `<name>-state`, so a
 * restarted or re-created gateway keeps them. `prune` removes all of it when no agent uses it.
 * On a backend of `policy` isolation (Kubernetes: one gateway per namespace) the "networks" are
 * what keeps its agents to it (NetworkPolicies), and the backend gives the gateway its address.
 */
export const DEFAULT_GATEWAY_NAME = 'agentctl-egress';
/** Where the gateway runs the proxy program from (in its state volume: the root file system is read-only). */
export const GATEWAY_PROGRAM_FILE = `${GATEWAY_STATE_DIR}/program/egress-proxy.cjs`;
/**
 * The gateway's CA (cert and key, JSON, the gateway user's, 0600), made with the gateway; each new
 * agent trusts its certificate. The proxy of a gateway of EGRESS_PROGRAM 2 signs with it for a
 * registration of `ca: "gateway"`; an older one needs the CA in each registration. One CA made
 * once, not one per agent: the CA module and key generation cost a start ~100 ms of CPU. No agent
 * ever holds the key, so sharing it lets no agent forge what another trusts; a registration that
 * carries a CA keeps the one it was made with, so a gateway made again leaves those agents working.
 */
export const GATEWAY_CA_FILE = `${GATEWAY_STATE_DIR}/${GATEWAY_CA_FILE_NAME}`;
/**
 * What the proxy program of a gateway made by this agentctl understands, as its label says: 2
 * holds a token to the address its agent's container name resolves to (`resolveName`), and signs
 * for an agent of `ca: "gateway"` with its own CA (GATEWAY_CA_FILE). A gateway keeps the program
 * it was made with: agentctl writes for it only what its label says it understands.
 */
export const EGRESS_PROGRAM = 2;
/** The gateway's user: no user of the agent image, owner of its state files. */
export const GATEWAY_USER = { uid: 65534, gid: 65534 };
const GATEWAY_LIMITS = { cpus: 1, memoryBytes: 256 * 1024 ** 2, pids: 256, logBytes: 20 * 1024 ** 2 };
/** Environment variables passed through to the gateway when it is created (the proxy's test-only knobs). */
const PASSED_THROUGH = /^AGENTCTL_EGRESS_TEST_[A-Z0-9_]+$/;

export interface GatewayNames {
  gateway: string;
  internal: string;
  external: string;
  volume: string;
}

/** The names of a gateway's objects; AGENTCTL_EGRESS_NAME chooses another gateway (tests, separate setups). */
export function getGatewayNames(env: NodeJS.ProcessEnv): GatewayNames {
  const name = /^[a-z0-9][a-z0-9_.-]{0,40}$/.test(env.AGENTCTL_EGRESS_NAME ?? '')
    ? env.AGENTCTL_EGRESS_NAME!
    : DEFAULT_GATEWAY_NAME;
  return { gateway: name, internal: `${name}-internal`, external: `${name}-external`, volume: `${name}-state` };
}

export interface GatewayDeps {
  runtime: ContainerRuntime;
  egress: EgressOperations;
  names: GatewayNames;
  env: NodeJS.ProcessEnv;
  /** The image to create the gateway from (it needs node); asked only when it is created. */
  image(): Promise<string>;
  /** The proxy program (dist/egress-proxy.cjs) and more CAs for its upstream servers. */
  files(): Promise<{ program: Buffer; upstreamCa?: Buffer }>;
  /** The CA of a new gateway (GATEWAY_CA_FILE); none: each agent gets a CA of its own. */
  createCa?(): Promise<{ certPem: string; keyPem: string }>;
  log(message: string): void;
  sleep?(ms: number): Promise<void>;
}

export interface RunningGateway {
  id: string;
  /** Its address on the internal network (the agents' proxy). */
  address: string;
  /** What its proxy program understands (LABELS.egressProgram; 1: made before the label). */
  program: number;
}

const labels = (kind: string) => ({ [LABELS.managed]: 'true', [LABELS.kind]: kind });

/** The gateway, running: as it is when it runs, started when it stopped, made when there is none. */
export async function ensureGateway(deps: GatewayDeps): Promise<RunningGateway> {
  const { egress, names } = deps;
  for (let attempt = 0; ; attempt++) {
    const found = await egress.inspectGateway(names.gateway);
    if (found) {
      if (found.labels[LABELS.kind] !== 'egress-gateway') {
        throw new ConflictError(
          'NAME_TAKEN',
          `The container name ${names.gateway} is used by a container agentctl did not create`,
          {
            hint: `Remove or rename that container, or choose another gateway with AGENTCTL_EGRESS_NAME`,
          },
        );
      }
      const address = found.addresses[names.internal];
      // A stopped container has no address (the engines give it at start; a `policy` backend's
      // gateway gets a new one each time): read back once it runs again.
      if (!address && found.running)
        throw gatewayFailed(`the gateway ${names.gateway} is not on ${names.internal}`, names);
      const program = Number(found.labels[LABELS.egressProgram] ?? 1) || 1;
      if (found.running && address) return { id: found.id, address, program };
      deps.log(`starting the egress gateway ${names.gateway} again`);
      await deps.runtime.startContainer(found.id);
      await waitUntilListening(deps, found.id);
      const assigned = await assignedAddress(deps);
      // `network` isolation: the agents made before hold the gateway's fixed address in their
      // proxy URL; a gateway back at another one would send their tokens elsewhere.
      if (egress.isolation === 'network') await checkFixedAddress(deps, found.id, assigned);
      return { id: found.id, address: assigned, program };
    }
    try {
      return await createGateway(deps);
    } catch (error) {
      // Another agentctl made it at the same time: use theirs.
      if (attempt < 3 && isAgentctlError(error) && error.code === 'CONTAINER_NAME_TAKEN') continue;
      throw error;
    }
  }
}

async function createGateway(deps: GatewayDeps): Promise<RunningGateway> {
  const { egress, names, runtime } = deps;
  const internal = await ensureInternalNetwork(deps);
  if (!(await egress.inspectNetwork(names.external))) {
    await egress
      .createNetwork({
        name: names.external,
        gateway: names.gateway,
        internal: false,
        labels: labels('egress-network'),
      })
      .catch(async (error: unknown) => {
        if (isAgentctlError(error) && error.code === 'NETWORK_EXISTS' && (await egress.inspectNetwork(names.external)))
          return;
        throw error;
      });
  }
  await runtime.createVolume(names.volume, labels('egress-state'));
  // `policy` isolation: the backend gives the gateway its address (read back once it runs).
  const fixed = egress.isolation === 'network' ? gatewayAddress(internal) : undefined;
  const image = await deps.image();
  const files = await deps.files();
  const env = Object.entries(deps.env)
    .filter(([key, value]) => PASSED_THROUGH.test(key) && value !== undefined)
    .map(([key, value]) => ({ name: key, value: value! }));
  deps.log(
    `creating the egress gateway ${names.gateway} (image ${image.slice(0, 19)}${fixed ? `, ${fixed} on ${names.internal}` : ''})`,
  );
  const { id } = await egress.createGateway({
    name: names.gateway,
    image,
    command: ['node', GATEWAY_PROGRAM_FILE],
    env: [
      { name: 'AGENTCTL_EGRESS_STATE', value: GATEWAY_STATE_DIR },
      ...(files.upstreamCa
        ? [{ name: 'AGENTCTL_EGRESS_UPSTREAM_CA', value: `${GATEWAY_STATE_DIR}/upstream-ca.pem` }]
        : []),
      ...env,
    ],
    user: GATEWAY_USER,
    labels: { ...labels('egress-gateway'), [LABELS.egressProgram]: String(EGRESS_PROGRAM) },
    externalNetwork: names.external,
    internalNetwork: { name: names.internal, ...(fixed ? { address: fixed } : {}) },
    program: GATEWAY_PROGRAM_FILE,
    stateVolume: { name: names.volume, target: GATEWAY_STATE_DIR },
    limits: GATEWAY_LIMITS,
  });
  try {
    // A gateway made again on its kept state volume keeps the CA there: its agents trust it, and
    // their registrations may name it ("ca": "gateway"). Unreadable before it runs: a new one.
    const kept = await egress.readGatewayFile(id, GATEWAY_CA_FILE).catch(() => undefined);
    const ca = deps.createCa && !(kept && kept.length > 0) ? await deps.createCa() : undefined;
    const owner = { uid: GATEWAY_USER.uid, gid: GATEWAY_USER.gid };
    await egress.writeGatewayFiles(id, GATEWAY_STATE_DIR, [
      { name: 'program/', type: 'directory', mode: 0o555, uid: 0, gid: 0 },
      { name: 'program/egress-proxy.cjs', type: 'file', mode: 0o444, uid: 0, gid: 0, content: files.program },
      ...(files.upstreamCa
        ? [{ name: 'upstream-ca.pem', type: 'file' as const, mode: 0o444, uid: 0, gid: 0, content: files.upstreamCa }]
        : []),
      { name: `${REGISTRATIONS_SUBDIR}/`, type: 'directory', mode: 0o700, ...owner },
      ...(ca
        ? [
            {
              name: GATEWAY_CA_FILE_NAME,
              type: 'file' as const,
              mode: 0o600,
              ...owner,
              content: Buffer.from(JSON.stringify(ca)),
            },
          ]
        : []),
    ]);
    await runtime.startContainer(id);
    await waitUntilListening(deps, id);
    return { id, address: fixed ?? (await assignedAddress(deps)), program: EGRESS_PROGRAM };
  } catch (error) {
    await runtime.removeContainer(id, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** The gateway is at `.2` of its internal network, where agentctl made it (`network` isolation). */
async function checkFixedAddress(deps: GatewayDeps, id: string, assigned: string): Promise<void> {
  const network = await deps.egress.inspectNetwork(deps.names.internal);
  const fixed = network && gatewayAddress(network);
  if (fixed === assigned) return;
  // Not where its agents look for it: stopped again, and the start does not go on as if it were.
  await deps.runtime.stopContainer(id, 0).catch(() => undefined);
  throw new EngineError(
    'EGRESS_GATEWAY_FAILED',
    `The egress gateway ${deps.names.gateway} came back at ${assigned} on ${deps.names.internal}, not at ${fixed ?? 'its own address'}, where its agents reach it`,
    {
      hint: `Another container took that address while the gateway was stopped: remove it (\`docker network inspect ${deps.names.internal}\`, or podman), then start again`,
    },
  );
}

/** The address the backend gave the running gateway on its agents' side. */
async function assignedAddress(deps: GatewayDeps): Promise<string> {
  const address = (await deps.egress.inspectGateway(deps.names.gateway))?.addresses[deps.names.internal];
  if (!address) throw gatewayFailed(`the gateway ${deps.names.gateway} has no address for its agents`, deps.names);
  return address;
}

/** The first candidate subnet no other network holds (a fixed address needs a subnet of agentctl's choosing). */
async function ensureInternalNetwork(deps: GatewayDeps): Promise<NetworkDetails> {
  const { egress, names } = deps;
  const existing = await egress.inspectNetwork(names.internal);
  if (existing) return existing;
  if (egress.isolation === 'policy')
    return egress.createNetwork({
      name: names.internal,
      gateway: names.gateway,
      internal: true,
      labels: labels('egress-network'),
    });
  const prefix = egress.subnetPrefix ?? '10.213';
  let last: unknown;
  for (let third = 0; third < 32; third++) {
    const subnet = `${prefix}.${third}.0/24`;
    try {
      return await egress.createNetwork({
        name: names.internal,
        gateway: names.gateway,
        internal: true,
        isolateHost: true,
        labels: labels('egress-network'),
        subnet,
        // Agents get addresses from the upper half; the gateway has .2.
        ipRange: `${prefix}.${third}.128/25`,
      });
    } catch (error) {
      const made = await egress.inspectNetwork(names.internal);
      if (made) return made;
      last = error;
      deps.log(`subnet ${subnet} not usable for ${names.internal}: ${(error as Error).message}`);
    }
  }
  throw gatewayFailed(`no free subnet for ${names.internal}: ${(last as Error | undefined)?.message ?? ''}`, names);
}

/** `.2` of the internal network's subnet. */
export function gatewayAddress(network: NetworkDetails): string {
  const subnet = network.subnets.find((item) => /^\d+\.\d+\.\d+\.\d+\//.test(item.subnet));
  if (!subnet)
    throw new EngineError('EGRESS_GATEWAY_FAILED', `The network ${network.name} has no IPv4 subnet`, {
      hint: `Remove it (\`agentctl prune\` removes it when no agent uses it), then start again`,
    });
  const [a, b, c, d] = subnet.subnet.split('/')[0]!.split('.').map(Number) as [number, number, number, number];
  return `${a}.${b}.${c}.${d + 2}`;
}

/** Until the proxy accepts connections (node's start), or it stopped. */
async function waitUntilListening(deps: GatewayDeps, id: string): Promise<void> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const probe = `require('net').connect(${PROXY_PORT},'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))`;
  for (let attempt = 0; attempt < 100; attempt++) {
    const details = await deps.egress.inspectGateway(deps.names.gateway);
    if (!details?.running) {
      throw gatewayFailed(`the egress gateway stopped at start (${details?.state ?? 'gone'})`, deps.names);
    }
    if ((await runInGateway(deps.runtime, id, ['node', '-e', probe])) === 0) return;
    await sleep(100);
  }
  throw gatewayFailed('the egress gateway did not listen within 10 s', deps.names);
}

/** Runs a command in the gateway; its exit code (output discarded). */
export async function runInGateway(runtime: ContainerRuntime, id: string, command: string[]): Promise<number> {
  const execId = await runtime.createExec(id, { command, tty: false, stdin: false });
  const stream = await runtime.startExec(execId, { tty: false, stdin: false });
  await new Promise<void>((resolve) => {
    stream.on('data', () => undefined);
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  for (let attempt = 0; attempt < 50; attempt++) {
    const state = await runtime.inspectExec(execId);
    if (!state.running) return state.exitCode ?? -1;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return -1;
}

function gatewayFailed(problem: string, names: GatewayNames): EngineError {
  return new EngineError('EGRESS_GATEWAY_FAILED', `The egress gateway is not usable: ${problem}`, {
    hint: `See its log (\`docker logs ${names.gateway}\`, or podman; on Kubernetes \`kubectl logs ${names.gateway}-0\`); the gateway runs node: set egress.gatewayImage to an image that has it`,
  });
}
