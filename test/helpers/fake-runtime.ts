import { PassThrough } from 'node:stream';
import type { ContainerDetails } from '../../src/runtime/container-operations.js';
import type { ContainerRuntime } from '../../src/runtime/container-runtime.js';
import type { AgentContainerInfo } from '../../src/core/agents/agent-lookup.js';

/**
 * The one fake ContainerRuntime for unit tests: strict — every operation a test did not give
 * fails the test when called ("unexpected call"), so a test states exactly what it lets the core
 * do. Built as a checked object (`satisfies ContainerRuntime`), so a new operation on the
 * interface fails the type check here until the fake has it too.
 */
export function fakeRuntime(overrides: Partial<ContainerRuntime> = {}): ContainerRuntime {
  const unexpected =
    (name: string) =>
    (..._args: unknown[]): never => {
      throw new Error(`fake runtime: unexpected call of ${name}`);
    };
  const base = {
    kind: 'docker',
    endpoint: { url: 'unix:///var/run/docker.sock', source: 'test' },
    version: { kind: 'docker', version: '27.0.0', apiVersion: '1.46' },
    capabilities: { bindMounts: true, pullsOnStart: false, cluster: false, rootlessUsers: 'root-is-host-user' },
    fetchEngineInfo: unexpected('fetchEngineInfo'),
    inspectImage: unexpected('inspectImage'),
    pullImage: unexpected('pullImage'),
    listImages: unexpected('listImages'),
    removeImage: unexpected('removeImage'),
    tagImage: unexpected('tagImage'),
    buildImage: unexpected('buildImage'),
    createContainer: unexpected('createContainer'),
    startContainer: unexpected('startContainer'),
    stopContainer: unexpected('stopContainer'),
    removeContainer: unexpected('removeContainer'),
    inspectContainer: unexpected('inspectContainer'),
    listContainers: unexpected('listContainers'),
    fetchOciRuntime: unexpected('fetchOciRuntime'),
    copyFiles: unexpected('copyFiles'),
    createVolume: unexpected('createVolume'),
    inspectVolume: unexpected('inspectVolume'),
    listVolumes: unexpected('listVolumes'),
    removeVolume: unexpected('removeVolume'),
    attachContainer: unexpected('attachContainer'),
    resizeContainer: unexpected('resizeContainer'),
    waitContainerExit: unexpected('waitContainerExit'),
    createExec: unexpected('createExec'),
    startExec: unexpected('startExec'),
    resizeExec: unexpected('resizeExec'),
    inspectExec: unexpected('inspectExec'),
    streamLogs: unexpected('streamLogs'),
    stats: { fetchStats: unexpected('stats.fetchStats') },
    archive: {
      fetchPathStat: unexpected('archive.fetchPathStat'),
      fetchArchive: unexpected('archive.fetchArchive'),
      putArchive: unexpected('archive.putArchive'),
    },
  } satisfies ContainerRuntime;
  return { ...base, ...overrides };
}

/** Container details as an engine reports them, with `extra` over plain defaults. */
export function fakeDetails(extra: Partial<ContainerDetails> = {}): ContainerDetails {
  return {
    id: 'c1',
    name: 'agentctl-x',
    state: 'running',
    labels: {},
    image: 'img',
    running: true,
    user: '1000:1000',
    env: [],
    tty: true,
    openStdin: true,
    hostConfig: { nanoCpus: 0, memory: 0, pidsLimit: 0 },
    spec: { network: '', mounts: [], addCapabilities: [] },
    raw: {},
    ...extra,
  };
}

/**
 * The list and inspect answers of a backend that has these agents' containers: what the core's one
 * agent lookup (src/core/agents/agent-lookup.ts) reads.
 */
export function fakeLookup(
  agents: Array<Partial<AgentContainerInfo> & { agent: string }>,
): Pick<ContainerRuntime, 'listContainers' | 'inspectContainer'> {
  const details = agents.map((agent) =>
    fakeDetails({
      id: agent.id ?? `id-${agent.agent}`,
      name: agent.containerName ?? `agentctl-${agent.agent}`,
      state: (agent.status ?? (agent.running === false ? 'exited' : 'running')) as ContainerDetails['state'],
      running: agent.running ?? true,
      ...(agent.exitCode === undefined ? {} : { exitCode: agent.exitCode }),
      tty: agent.tty ?? true,
      openStdin: agent.openStdin ?? agent.tty ?? true,
      labels: { 'io.agentctl.managed': 'true', 'io.agentctl.agent': agent.agent, ...agent.labels },
      env: (agent.secretNames ?? []).map((name) => `${name}_FILE=/run/secrets/${name}`),
    }),
  );
  return {
    async listContainers({ labels, all }) {
      return details
        .filter((item) => all || item.running)
        .filter((item) =>
          Object.entries(labels).every(([key, value]) =>
            value === true ? key in item.labels : item.labels[key] === value,
          ),
        )
        .map((item) => ({ id: item.id, name: item.name, state: item.state, labels: item.labels, image: item.image }));
    },
    async inspectContainer(nameOrId) {
      return details.find((item) => item.id === nameOrId || item.name === nameOrId);
    },
  };
}

/** Exec operations whose every command ends at once with exit code 0 and no output. */
export const endedExecs = {
  createExec: async () => 'exec',
  async startExec() {
    const stream = new PassThrough();
    stream.end();
    return stream;
  },
  inspectExec: async () => ({ running: false, exitCode: 0 }),
};
