import type { ContainerDetails } from '../../src/runtime/container-operations.js';
import type { ContainerRuntime } from '../../src/runtime/container-runtime.js';

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
    lookupAgentContainer: unexpected('lookupAgentContainer'),
    lookupAgentContainers: unexpected('lookupAgentContainers'),
    attachContainer: unexpected('attachContainer'),
    resizeContainer: unexpected('resizeContainer'),
    waitContainerExit: unexpected('waitContainerExit'),
    createExec: unexpected('createExec'),
    startExec: unexpected('startExec'),
    resizeExec: unexpected('resizeExec'),
    inspectExec: unexpected('inspectExec'),
    streamLogs: unexpected('streamLogs'),
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
    hostConfig: { nanoCpus: 0, memory: 0, pidsLimit: 0 },
    spec: { network: '', mounts: [], addCapabilities: [] },
    raw: {},
    ...extra,
  };
}
