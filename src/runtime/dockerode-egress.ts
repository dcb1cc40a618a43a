import type Dockerode from 'dockerode';
import { ConflictError } from '../shared/errors.js';
import { createTar, readTar } from '../shared/tar.js';
import { AGENT_LOG_FILES, logConfig } from './docker-create-body.js';
import { toEngineInfo } from './dockerode-engine.js';
import { engineError, engineMessage, statusOf } from './engine-errors.js';
import type { EngineKind } from './endpoint.js';
import type { EgressOperations, GatewayDetails, GatewaySpec, NetworkDetails } from './egress-operations.js';

interface NetworkInspect {
  Id?: string;
  Name?: string;
  Internal?: boolean;
  Labels?: Record<string, string> | null;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[] | null };
}

export function toNetworkDetails(info: NetworkInspect): NetworkDetails {
  return {
    id: info.Id ?? '',
    name: info.Name ?? '',
    internal: info.Internal === true,
    labels: info.Labels ?? {},
    subnets: (info.IPAM?.Config ?? [])
      .filter((config) => config.Subnet)
      .map((config) => ({
        subnet: config.Subnet!,
        ...(config.Gateway ? { gateway: config.Gateway } : {}),
        ...(config.IPRange ? { ipRange: config.IPRange } : {}),
      })),
  };
}

/** The create-container body for the gateway: every field of the spec decided here. */
export function gatewayCreateBody(spec: GatewaySpec, boundedLogs = true): Record<string, unknown> {
  const { name, image, command, env, user, labels, externalNetwork, internalNetwork, stateVolume, limits, program } =
    spec;
  void internalNetwork; // joined after create: the engine API takes one network at create time
  void program; // in the state volume before the gateway is started
  return {
    name,
    Image: image,
    Entrypoint: command.slice(0, 1),
    Cmd: command.slice(1),
    Env: env.map((item) => `${item.name}=${item.value}`),
    User: `${user.uid}:${user.gid}`,
    WorkingDir: '/',
    Labels: labels,
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    // The image's own health check (the agent image has one) means nothing for the gateway.
    Healthcheck: { Test: ['NONE'] },
    HostConfig: {
      NetworkMode: externalNetwork,
      Binds: [`${stateVolume.name}:${stateVolume.target}:rw`],
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=16m' },
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      CapAdd: [],
      SecurityOpt: ['no-new-privileges'],
      NanoCpus: Math.round(limits.cpus * 1e9),
      Memory: limits.memoryBytes,
      MemorySwap: limits.memoryBytes,
      PidsLimit: limits.pids,
      RestartPolicy: { Name: 'unless-stopped' },
      // An agent making request after request must not fill the host's disk with the gateway's log.
      ...(limits.logBytes && boundedLogs ? { LogConfig: logConfig(limits.logBytes, AGENT_LOG_FILES) } : {}),
    },
  };
}

function toGatewayDetails(info: Dockerode.ContainerInspectInfo): GatewayDetails {
  const networks = (info.NetworkSettings?.Networks ?? {}) as Record<string, { IPAddress?: string }>;
  return {
    id: info.Id,
    running: info.State.Running,
    state: info.State.Status,
    labels: info.Config.Labels ?? {},
    addresses: Object.fromEntries(
      Object.entries(networks)
        .filter(([, network]) => network.IPAddress)
        .map(([name, network]) => [name, network.IPAddress!]),
    ),
  };
}

/** The first regular file of a tar stream (the engine's archive of one path). */
async function firstFile(stream: NodeJS.ReadableStream): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  const entries = await readTar(Buffer.concat(chunks));
  return entries.find((entry) => entry.type === 'file')?.content;
}

export function createDockerodeEgressOperations(
  getDocker: () => Promise<Dockerode>,
  kind: EngineKind,
): EgressOperations {
  const operations: EgressOperations = {
    isolation: 'network',
    // Each engine of one host its own /24s, so that their bridges never hold the same subnet.
    subnetPrefix: kind === 'podman' ? '10.214' : '10.213',
    // Docker's embedded DNS on every user-defined network; Podman 4.3's CNI has it only with the
    // dnsname plugin (and rootless not always), so there agentctl writes the address as before.
    resolvesNames: kind === 'docker',
    // An internal network has no route out: the engine keeps agents from going around the gateway.
    checkIsolation: async () => undefined,

    async createNetwork(spec) {
      const docker = await getDocker();
      const ipam =
        spec.subnet === undefined
          ? undefined
          : {
              Driver: 'default',
              // Podman's CNI refuses a fixed address outside the range: there the whole subnet is
              // the range, and the gateway, made before any agent, holds its fixed address in it.
              Config: [
                { Subnet: spec.subnet, ...(spec.ipRange && kind !== 'podman' ? { IPRange: spec.ipRange } : {}) },
              ],
            };
      try {
        await docker.createNetwork({
          Name: spec.name,
          CheckDuplicate: true,
          Driver: 'bridge',
          Internal: spec.internal,
          Labels: spec.labels,
          ...(ipam ? { IPAM: ipam } : {}),
          // Podman's bridge on an internal network has no address on the host already.
          ...(spec.isolateHost && kind === 'docker'
            ? { Options: { 'com.docker.network.bridge.inhibit_ipv4': 'true' } }
            : {}),
        } as Dockerode.NetworkCreateOptions);
      } catch (error) {
        if (statusOf(error) === 409 || /already (exists|used)/i.test(engineMessage(error))) {
          throw new ConflictError('NETWORK_EXISTS', `The network ${spec.name} already exists`, {
            hint: `Remove it with \`${kind} network rm ${spec.name}\` if nothing uses it, then retry`,
            cause: error,
          });
        }
        throw engineError(`create the network ${spec.name}`, error);
      }
      const created = await operations.inspectNetwork(spec.name);
      if (!created) throw engineError(`create the network ${spec.name}`, new Error('it is not there after create'));
      return created;
    },

    async inspectNetwork(name) {
      const docker = await getDocker();
      try {
        const info = (await docker.getNetwork(name).inspect()) as NetworkInspect;
        // Docker also answers for an id prefix: only the exact name counts.
        return info.Name === name ? toNetworkDetails(info) : undefined;
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw engineError(`inspect the network ${name}`, error);
      }
    },

    async removeNetwork(name) {
      const docker = await getDocker();
      try {
        await docker.getNetwork(name).remove();
      } catch (error) {
        const status = statusOf(error);
        if (status === 404) return;
        if (status === 403 || status === 409 || /active endpoints|in use|being used/i.test(engineMessage(error))) {
          throw new ConflictError('NETWORK_IN_USE', `The network ${name} is in use by a container`, {
            hint: 'Remove the agents that use it first (`agentctl ls --all`)',
            cause: error,
          });
        }
        throw engineError(`remove the network ${name}`, error);
      }
    },

    async createGateway(spec) {
      const docker = await getDocker();
      let id: string;
      try {
        // Made once per gateway: the engine's log driver is asked for here, not at every start.
        const boundedLogs = await docker.info().then(
          (raw) => toEngineInfo(raw as Parameters<typeof toEngineInfo>[0]).boundedLogs,
          () => false,
        );
        id = (await docker.createContainer(gatewayCreateBody(spec, boundedLogs) as Dockerode.ContainerCreateOptions))
          .id;
      } catch (error) {
        if (statusOf(error) === 409 || /already in use/i.test(engineMessage(error))) {
          throw new ConflictError(
            'CONTAINER_NAME_TAKEN',
            `The name "${spec.name}" is already used by another container`,
            {
              hint: `Another agentctl is creating the egress gateway: retry in a moment`,
              cause: error,
            },
          );
        }
        if (statusOf(error) === 404) {
          throw engineError(`create the egress gateway (no image ${spec.image})`, error);
        }
        throw engineError('create the egress gateway', error);
      }
      try {
        await docker.getNetwork(spec.internalNetwork.name).connect({
          Container: id,
          EndpointConfig: spec.internalNetwork.address
            ? { IPAMConfig: { IPv4Address: spec.internalNetwork.address } }
            : {},
        });
      } catch (error) {
        try {
          await docker.getContainer(id).remove({ force: true, t: 0 } as never);
        } catch {
          // Gone already: nothing to leave behind.
        }
        throw engineError(`connect the egress gateway to ${spec.internalNetwork.name}`, error);
      }
      return { id };
    },

    async inspectGateway(name) {
      const docker = await getDocker();
      try {
        return toGatewayDetails(await docker.getContainer(name).inspect());
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw engineError('inspect the egress gateway', error);
      }
    },

    async writeGatewayFiles(id, dir, entries) {
      const docker = await getDocker();
      try {
        await docker.getContainer(id).putArchive(await createTar(entries), { path: dir });
      } catch (error) {
        throw engineError(`copy files into the egress gateway at ${dir}`, error);
      }
    },

    async readGatewayFile(id, path) {
      const docker = await getDocker();
      let stream: NodeJS.ReadableStream;
      try {
        stream = await docker.getContainer(id).getArchive({ path });
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw engineError(`read ${path} in the egress gateway`, error);
      }
      return firstFile(stream);
    },
  };
  return operations;
}
