import { UsageError } from '../../shared/errors.js';
import { qualifyReference } from '../../shared/image-reference.js';
import type { ArchiveOperations } from '../archive-operations.js';
import type { StatsOperations } from '../stats-operations.js';
import type { BackendCheck, ContainerRuntime, EngineVersion } from '../container-runtime.js';
import type { EngineInfo } from '../engine-operations.js';
import type { ImageOperations, LocalImage } from '../image-operations.js';
import { kubeError, kubeStatus, type KubeClient } from './kube-client.js';
import { createKubeContainerOperations } from './kube-containers.js';
import { createKubeEgressOperations } from './kube-egress.js';
import { createKubeStreamOperations } from './kube-streams.js';
import type { WorkspaceClone } from './agent-record.js';
import { describeWorkspace } from './describe-workspace.js';
import { classifyMounts } from './pod-spec.js';
import { packWorkspace, uploadPack } from './upload-workspace.js';
import type { PodPlacement } from './pod-placement.js';

const notHere = (what: string) =>
  new UsageError(
    'KUBERNETES_UNSUPPORTED',
    `${what} is not possible on Kubernetes: the nodes keep and pull their images themselves`,
    {
      hint: 'Use the engine backend (`--backend engine`) to build or manage local images, and push them to a registry the cluster can pull from',
    },
  );

/** `agentctl cp`: a Pod's files are reached only by running tar in it, which agentctl does not do. */
const copyUnsupported: ArchiveOperations = {
  fetchPathStat: () => Promise.reject(copyRefusal()),
  fetchArchive: () => Promise.reject(copyRefusal()),
  putArchive: () => Promise.reject(copyRefusal()),
};

function copyRefusal(): UsageError {
  return new UsageError('KUBERNETES_UNSUPPORTED', '`agentctl cp` is not possible on Kubernetes yet', {
    hint: 'Use `kubectl cp NAMESPACE/agentctl-NAME:PATH DEST` (it runs tar in the agent), or the engine backend',
  });
}

/** `agentctl stats`: the cluster's metrics API reports Pods, not the engine's counters agentctl reads. */
const statsUnsupported: StatsOperations = {
  fetchStats: () =>
    Promise.reject(
      new UsageError('KUBERNETES_UNSUPPORTED', '`agentctl stats` is not possible on Kubernetes yet', {
        hint: "Use `kubectl top pod -n NAMESPACE agentctl-NAME` (it needs the cluster's metrics-server), or the engine backend",
      }),
    ),
};

/** The Kubernetes backend: the one runtime interface, plus the cluster client (doctor, tests). */
export type KubernetesRuntime = ContainerRuntime & { readonly client: KubeClient };

/**
 * ContainerRuntime over a Kubernetes cluster: the second backend behind the one interface, a plain
 * object the compiler checks against it (`satisfies`). Agents are Pods (their records ConfigMaps),
 * state volumes PersistentVolumeClaims, secrets a Secret.
 */
export function createKubernetesRuntime(
  client: KubeClient,
  version: EngineVersion,
  options: {
    storage: { size: string; storageClass?: string };
    env: NodeJS.ProcessEnv;
    placement?: PodPlacement;
    /** How agents get their workspace (`kubernetes.workspace`); default clone. */
    workspace?: 'clone' | 'upload';
  },
): KubernetesRuntime {
  // The agents of one command (`start --count`) clone the same checkout: git is asked once, and
  // an upload's pack is made once (at the create, so that one too large fails before anything).
  const clones = new Map<string, Promise<WorkspaceClone>>();
  const packs = new Map<string, Promise<Buffer>>();
  const packOf = (path: string, commit: string) => {
    const key = `${path}\0${commit}`;
    let pack = packs.get(key);
    if (!pack) {
      pack = packWorkspace(path, commit, options.env);
      packs.set(key, pack);
    }
    return pack;
  };
  const containers = createKubeContainerOperations({
    client,
    storage: options.storage,
    ...(options.placement ? { placement: options.placement } : {}),
    describeWorkspace(path, readOnly) {
      const key = JSON.stringify([path, readOnly]);
      let clone = clones.get(key);
      if (!clone) {
        clone = describeWorkspace(path, readOnly, options.env, options.workspace).then(async (described) => {
          if (described.upload) await packOf(path, described.commit);
          return described;
        });
        clones.set(key, clone);
      }
      return clone;
    },
    async uploadWorkspace(pod, record) {
      const source = classifyMounts(record.spec).workspace?.source;
      const commit = record.workspace?.commit;
      if (!source || !commit) return;
      const name = pod.metadata!.name!;
      const exec = (command: string[], input: Buffer) =>
        streams.execInContainer(name, 'clone-workspace', command, input);
      // A start of a stopped agent: its clone is on its claim already, and the step ends at once
      // (an exec that finds it gone is that too; the wait reads how the step ended).
      const needed = await exec(['sh', '-c', 'test ! -e /workspace/.git'], Buffer.alloc(0)).then(
        (result) => result.exitCode === 0,
        () => false,
      );
      if (!needed) return;
      await uploadPack(exec, record.spec.name, await packOf(source, commit));
    },
  });
  const streams = createKubeStreamOperations({
    client,
    getAgentObjects: containers.getAgentObjects,
    listAgentObjects: containers.listAgentObjects,
    settleExit: containers.settleExit,
  });
  const images = createNodeImageOperations(client);
  const egress = createKubeEgressOperations({ client, containers, streams });
  return {
    kind: 'kubernetes',
    endpoint: {
      url: client.server,
      source: `kubeconfig (context ${client.context}, namespace ${client.namespace})`,
    },
    version,
    client,
    capabilities: { bindMounts: false, pullsOnStart: true, cluster: true, rootlessUsers: 'none', lifetime: true },
    egress,
    archive: copyUnsupported,
    stats: statsUnsupported,
    async diagnose(agent): Promise<BackendCheck[]> {
      const { diagnoseCluster } = await import('./kube-diagnose.js');
      // What the scheduler places: the config's requests (kubernetes.requests), else the limits.
      const requested = options.placement?.requests;
      return diagnoseCluster(client, {
        cpus: requested?.cpus ?? agent.cpus,
        memoryBytes: requested?.memoryBytes ?? agent.memoryBytes,
      });
    },
    async fetchEngineInfo(): Promise<EngineInfo> {
      return {
        name: new URL(client.server).hostname,
        storageRoot: '',
        storageDriver: '',
        rootless: false,
        securityOptions: [],
        operatingSystem: `Kubernetes (namespace ${client.namespace})`,
        serverVersion: version.version,
      };
    },
    ...images,
    createContainer: containers.createContainer,
    startContainer: containers.startContainer,
    stopContainer: containers.stopContainer,
    removeContainer: containers.removeContainer,
    inspectContainer: containers.inspectContainer,
    listContainers: containers.listContainers,
    listContainerDetails: containers.listContainerDetails,
    fetchOciRuntime: containers.fetchOciRuntime,
    copyFiles: containers.copyFiles,
    createVolume: containers.createVolume,
    inspectVolume: containers.inspectVolume,
    listVolumes: containers.listVolumes,
    removeVolume: containers.removeVolume,
    attachContainer: streams.attachContainer,
    resizeContainer: streams.resizeContainer,
    waitContainerExit: streams.waitContainerExit,
    createExec: streams.createExec,
    startExec: streams.startExec,
    resizeExec: streams.resizeExec,
    inspectExec: streams.inspectExec,
    streamLogs: streams.streamLogs,
  } satisfies KubernetesRuntime;
}

/** Images as the nodes report them (status.images); the nodes pull, agentctl does not. */
function createNodeImageOperations(client: KubeClient): ImageOperations {
  const nodeImages = async (): Promise<LocalImage[]> => {
    const nodes = await client.core.listNode().catch((error: unknown) => {
      // Listing nodes is a cluster-wide permission many users lack: then no image is known
      // to be there, and the kubelet pulls as needed.
      const status = kubeStatus(error);
      if (status === 401 || status === 403) return { items: [] };
      throw kubeError('list the nodes (for their images)', error, client);
    });
    const images = new Map<string, LocalImage>();
    for (const node of nodes.items) {
      for (const image of node.status?.images ?? []) {
        const names = image.names ?? [];
        const id = names.find((name) => name.includes('@')) ?? names[0] ?? '';
        if (!images.has(id)) {
          images.set(id, {
            id,
            repoTags: names.filter((name) => !name.includes('@')),
            repoDigests: names.filter((name) => name.includes('@')),
            labels: {},
            size: image.sizeBytes ?? 0,
            created: '',
          });
        }
      }
    }
    return [...images.values()];
  };
  return {
    async inspectImage(reference: string) {
      // The kubelet reports references fully qualified (docker.io/library/x:1): match as the engines do.
      const wanted = qualifyReference(reference);
      const found = (await nodeImages()).find(
        (image) => image.repoTags.includes(wanted) || image.repoDigests.includes(wanted),
      );
      if (!found) return undefined;
      // The Pod names the image by reference, never by a node-local id; by the digest a node
      // reports for it when there is one, so that every node runs the content resolved here
      // (a tag may point elsewhere by the time another node pulls it).
      const repository = wanted.replace(/:[^/:@]*$/, '');
      const pinned = reference.includes('@')
        ? undefined
        : found.repoDigests.find((name) => name.startsWith(`${repository}@sha256:`));
      return { ...found, id: pinned ?? reference };
    },
    async pullImage() {
      throw notHere('Pulling an image ahead of a start');
    },
    async listImages(filter?: { labels?: string[] }) {
      if (filter?.labels && filter.labels.length > 0) return [];
      return nodeImages();
    },
    async removeImage() {
      throw notHere('Removing an image');
    },
    async tagImage() {
      throw notHere('Tagging an image');
    },
    async buildImage() {
      throw notHere('Building an image');
    },
  };
}
