import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { ConflictError, EngineError, NotFoundError } from '../../shared/errors.js';
import { CONTAINER_PREFIX, LABELS } from '../../shared/labels.js';
import type { ContainerOperations, ContainerSummary, LabelFilter, VolumeSummary } from '../container-operations.js';
import { kubeError, kubeStatus, orUndefined, type KubeClient } from './kube-client.js';
import { fromKubernetesMetadata, splitLabelFilter } from './kube-labels.js';
import {
  EXIT_CODE_ANNOTATION,
  FINISHED_ANNOTATION,
  STATE_ANNOTATION,
  buildClaim,
  buildPod,
  buildRecordConfigMap,
  buildSecret,
  checkKubernetesName,
  classifyMounts,
  recordFiles,
  parseRecord,
  secretName,
  type AgentRecord,
  type WorkspaceClone,
} from './pod-spec.js';
import type { AgentFiles, AgentSpec } from '../agent-spec.js';
import {
  AGENT_ID,
  agentContainerStatus,
  agentId,
  agentNotFound,
  defaultSleep,
  toDetails,
  toState,
  type AgentObjects,
} from './agent-objects.js';
import { createPodWaits } from './wait-pod.js';

export interface KubeContainerDeps {
  client: KubeClient;
  /** The remote and commit of a host checkout, for the clone the Pod starts from. */
  describeWorkspace(path: string, readOnly: boolean): Promise<WorkspaceClone>;
  storage: { size: string; storageClass?: string };
  sleep?: (ms: number) => Promise<void>;
  /** How long startContainer waits for the Pod's agent container to run (image pulls included). */
  startTimeoutMs?: number;
}

/**
 * Container and volume operations on Kubernetes. An agent's "container" is its record — a ConfigMap
 * holding the engine-neutral spec — plus, while it runs, a Pod made from it; stop deletes the Pod,
 * start makes a new one; the agent's state volume is a PersistentVolumeClaim; secrets handed over
 * as an archive become a Secret mounted as files.
 */
export function createKubeContainerOperations(deps: KubeContainerDeps): ContainerOperations & {
  getAgentObjects(name: string): Promise<AgentObjects | undefined>;
  listAgentObjects(labels: LabelFilter): Promise<AgentObjects[]>;
} {
  const { client } = deps;
  const { core, namespace } = client;
  const sleep = deps.sleep ?? defaultSleep;
  const fail = (action: string) => (error: unknown) => {
    throw kubeError(action, error, client);
  };

  const readRecord = (name: string) =>
    orUndefined(core.readNamespacedConfigMap({ name, namespace })).catch(fail(`read agent ${name}`));
  const readPod = (name: string) =>
    orUndefined(core.readNamespacedPod({ name, namespace })).catch(fail(`read Pod ${name}`));

  // Agent ids (agentId: the record's uid) seen by this process, to their record names: the core
  // hands back the ids it got from list, inspect and create.
  const namesById = new Map<string, string>();
  const remember = (record: V1ConfigMap) => {
    const id = agentId(record);
    if (id && record.metadata?.name) namesById.set(id, record.metadata.name);
    return record;
  };

  /** The record name for an agent id or name (an id not seen yet: looked up in one list). */
  async function resolveName(nameOrId: string): Promise<string> {
    if (!AGENT_ID.test(nameOrId)) return nameOrId;
    if (!namesById.has(nameOrId)) {
      const records = await core
        .listNamespacedConfigMap({ namespace, labelSelector: `${LABELS.managed}=true` })
        .catch(fail('list agents'));
      records.items.forEach(remember);
    }
    return namesById.get(nameOrId) ?? nameOrId;
  }

  async function getAgentObjects(nameOrId: string): Promise<AgentObjects | undefined> {
    const name = await resolveName(nameOrId);
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) return undefined;
    const [record, pod] = await Promise.all([readRecord(name), readPod(name)]);
    if (!record) return undefined;
    remember(record);
    // A Pod of an earlier agent of the same name (being deleted) is not this record's.
    const owned = pod?.metadata?.ownerReferences?.some((owner) => owner.uid === record.metadata?.uid);
    return { record, ...(pod && owned ? { pod } : {}) };
  }

  async function listAgentObjects(labels: LabelFilter): Promise<AgentObjects[]> {
    const filter = splitLabelFilter(labels);
    const [records, pods] = await Promise.all([
      core.listNamespacedConfigMap({ namespace, labelSelector: filter.selector }).catch(fail('list agents')),
      core.listNamespacedPod({ namespace, labelSelector: filter.selector }).catch(fail('list Pods')),
    ]);
    const podsByOwner = new Map<string, V1Pod>();
    for (const pod of pods.items)
      for (const owner of pod.metadata?.ownerReferences ?? []) if (owner.uid) podsByOwner.set(owner.uid, pod);
    records.items.forEach(remember);
    return records.items
      .filter((record) => filter.matches(fromKubernetesMetadata(record.metadata)))
      .map((record) => {
        const pod = podsByOwner.get(record.metadata?.uid ?? '');
        return { record, ...(pod ? { pod } : {}) };
      });
  }

  async function updateRecord(name: string, change: (record: V1ConfigMap) => void): Promise<V1ConfigMap> {
    for (let attempt = 0; ; attempt += 1) {
      const record = await readRecord(name);
      if (!record) throw notFound(name);
      change(record);
      try {
        return await core.replaceNamespacedConfigMap({ name, namespace, body: record });
      } catch (error) {
        // Someone else updated it in between (resourceVersion): read again.
        if (kubeStatus(error) === 409 && attempt < 5) continue;
        throw kubeError(`update agent ${name}`, error, client);
      }
    }
  }

  const { waitPodGone, waitPodStarted } = createPodWaits({
    client,
    readPod,
    sleep,
    startTimeoutMs: deps.startTimeoutMs,
  });

  const notFound = (name: string) => agentNotFound(name, namespace);

  /** Files become keys of the agent's Secret, each projected into its directory read-only. */
  async function addFiles(id: string, files: AgentFiles): Promise<void> {
    if (files.files.length === 0) return;
    const record = await readRecord(id);
    if (!record) throw notFound(id);
    const parsed = parseRecord(record)!;
    const added = recordFiles(files);
    const existing = await orUndefined(core.readNamespacedSecret({ name: secretName(id), namespace })).catch(
      fail(`read the Secret of ${id}`),
    );
    const data: Record<string, Buffer> = {
      ...Object.fromEntries(
        Object.entries(existing?.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
      ),
      ...added.data,
    };
    const body = buildSecret(id, data, record);
    if (existing) {
      await core
        .replaceNamespacedSecret({
          name: secretName(id),
          namespace,
          body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion } },
        })
        .catch(fail(`update the Secret of ${id}`));
    } else {
      await core.createNamespacedSecret({ namespace, body }).catch(fail(`create the Secret of ${id}`));
    }
    const keys = new Set(added.entries.map((file) => file.key));
    parsed.files = [...(parsed.files ?? []).filter((file) => !keys.has(file.key)), ...added.entries];
    await updateRecord(id, (current) => {
      current.data = { ...current.data, ...buildRecordConfigMap(id, parsed).data };
    });
  }

  return {
    getAgentObjects,
    listAgentObjects,

    async createContainer(spec: AgentSpec) {
      checkKubernetesName(spec.name);
      const { files, ...recorded } = spec;
      const { workspace } = classifyMounts(spec);
      const record: AgentRecord = { format: 2, spec: recorded, files: [] };
      if (workspace) record.workspace = await deps.describeWorkspace(workspace.source, workspace.readOnly);
      // The clone's branch is the agent's: `ls` shows it, as for a worktree agent on an engine.
      const branch = record.workspace?.branch;
      if (branch && !spec.labels[LABELS.branch])
        record.spec = { ...recorded, labels: { ...spec.labels, [LABELS.branch]: branch } };
      let created: V1ConfigMap;
      try {
        created = await core.createNamespacedConfigMap({ namespace, body: buildRecordConfigMap(spec.name, record) });
      } catch (error) {
        if (kubeStatus(error) === 409) {
          throw new ConflictError(
            'CONTAINER_NAME_TAKEN',
            `An agent named ${spec.name} was just created by another agentctl`,
            {
              hint: 'Choose another name, or use that agent',
              details: { container: spec.name },
            },
          );
        }
        throw kubeError(`create agent ${spec.name}`, error, client);
      }
      remember(created);
      try {
        for (const directory of files) await addFiles(spec.name, directory);
      } catch (error) {
        // Nothing half-made is left: the caller never learns the id of an agent that failed here.
        await core.deleteNamespacedSecret({ name: secretName(spec.name), namespace }).catch(() => undefined);
        await core.deleteNamespacedConfigMap({ name: spec.name, namespace }).catch(() => undefined);
        throw error;
      }
      return { id: agentId(created) || spec.name };
    },

    async startContainer(nameOrId: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}) {
      if (options.signal?.aborted) throw options.signal.reason;
      const id = await resolveName(nameOrId);
      const record = await updateRecord(id, (current) => {
        current.metadata!.annotations = { ...current.metadata?.annotations, [STATE_ANNOTATION]: 'started' };
      });
      const parsed = parseRecord(record);
      if (!parsed)
        throw new EngineError('AGENT_RECORD_INVALID', `The record of agent ${id} cannot be read`, {
          hint: `Remove the agent with \`agentctl rm ${id.replace(CONTAINER_PREFIX, '')}\``,
        });
      // A Pod still terminating (a restart right after a stop) must be gone before the new one.
      const old = await readPod(id);
      if (old) {
        const running = agentContainerStatus(old)?.state?.running && !old.metadata?.deletionTimestamp;
        if (running) return;
        await core
          .deleteNamespacedPod({ name: id, namespace, gracePeriodSeconds: 0 })
          .catch((error: unknown) => kubeStatus(error) === 404 || fail(`delete Pod ${id}`)(error));
        await waitPodGone(id, old.metadata?.uid, 60_000);
      }
      if (options.signal?.aborted) throw options.signal.reason;
      try {
        await core.createNamespacedPod({ namespace, body: buildPod(id, parsed, record) });
      } catch (error) {
        throw kubeError(`create the Pod of ${id}`, error, client);
      }
      await waitPodStarted(id, options);
    },

    async stopContainer(nameOrId: string, timeoutSeconds: number) {
      const id = await resolveName(nameOrId);
      const pod = await readPod(id);
      if (!pod) return;
      try {
        // At least 1 s: a grace period of 0 removes the Pod object at once (a forced deletion) while
        // its containers may still run; stop returns only once the kubelet has stopped them.
        await core.deleteNamespacedPod({
          name: id,
          namespace,
          gracePeriodSeconds: Math.max(1, Math.round(timeoutSeconds)),
        });
      } catch (error) {
        if (kubeStatus(error) !== 404) throw kubeError(`stop ${id}`, error, client);
      }
      const last = await waitPodGone(id, pod.metadata?.uid, (timeoutSeconds + 60) * 1000);
      const terminated = agentContainerStatus(last ?? pod)?.state?.terminated;
      await updateRecord(id, (record) => {
        record.metadata!.annotations = {
          ...record.metadata?.annotations,
          [STATE_ANNOTATION]: 'exited',
          [EXIT_CODE_ANNOTATION]: String(terminated?.exitCode ?? 137),
          [FINISHED_ANNOTATION]: new Date(terminated?.finishedAt ?? Date.now()).toISOString(),
        };
      }).catch((error: unknown) => {
        if (!(error instanceof NotFoundError)) throw error;
      });
    },

    async removeContainer(nameOrId: string, options?: { force?: boolean }) {
      const id = await resolveName(nameOrId);
      const objects = await getAgentObjects(id);
      if (!objects) throw notFound(id);
      if (objects.pod && toState(objects) === 'running' && !options?.force) {
        throw new ConflictError('CONTAINER_RUNNING', `Agent ${id} is running`, {
          hint: 'Stop it first, or remove it with --force',
        });
      }
      const ignore404 = (action: string) => (error: unknown) => {
        if (kubeStatus(error) !== 404) throw kubeError(action, error, client);
      };
      if (objects.pod) {
        await core
          .deleteNamespacedPod({ name: id, namespace, gracePeriodSeconds: 0 })
          .catch(ignore404(`delete Pod ${id}`));
      }
      await core
        .deleteNamespacedSecret({ name: secretName(id), namespace })
        .catch(ignore404(`delete Secret ${secretName(id)}`));
      await core.deleteNamespacedConfigMap({ name: id, namespace }).catch(ignore404(`delete agent ${id}`));
      if (objects.pod) await waitPodGone(id, objects.pod.metadata?.uid, 60_000);
    },

    /** The Pod's RuntimeClass (the record's runtime); the API server refuses one that does not exist. */
    async fetchOciRuntime(id: string) {
      const objects = await getAgentObjects(id);
      if (!objects) throw agentNotFound(id, namespace);
      return objects.pod?.spec?.runtimeClassName ?? parseRecord(objects.record)?.spec.ociRuntime;
    },

    async inspectContainer(nameOrId: string) {
      const objects = await getAgentObjects(nameOrId);
      return objects ? toDetails(objects) : undefined;
    },

    async listContainers(options: { labels: LabelFilter; all: boolean }): Promise<ContainerSummary[]> {
      const objects = await listAgentObjects(options.labels);
      return objects
        .map((item) => {
          const details = toDetails(item);
          return {
            id: details.id,
            name: details.name,
            state: details.state,
            labels: details.labels,
            image: details.image,
          };
        })
        .filter((summary) => options.all || summary.state === 'running');
    },

    async copyFiles(nameOrId: string, files: AgentFiles) {
      await addFiles(await resolveName(nameOrId), files);
    },

    async createVolume(name: string, labels: Record<string, string>) {
      checkKubernetesName(name);
      try {
        await core.createNamespacedPersistentVolumeClaim({ namespace, body: buildClaim(name, labels, deps.storage) });
        return true;
      } catch (error) {
        if (kubeStatus(error) === 409) return false;
        throw kubeError(`create the volume claim ${name}`, error, client);
      }
    },

    async inspectVolume(name: string): Promise<VolumeSummary | undefined> {
      const claim = await orUndefined(core.readNamespacedPersistentVolumeClaim({ name, namespace })).catch(
        fail(`read volume claim ${name}`),
      );
      return claim ? { name, labels: fromKubernetesMetadata(claim.metadata) } : undefined;
    },

    async listVolumes(labels: LabelFilter): Promise<VolumeSummary[]> {
      const filter = splitLabelFilter(labels);
      const claims = await core
        .listNamespacedPersistentVolumeClaim({ namespace, labelSelector: filter.selector })
        .catch(fail('list volume claims'));
      return claims.items
        .map((claim) => ({ name: claim.metadata!.name!, labels: fromKubernetesMetadata(claim.metadata) }))
        .filter((volume) => filter.matches(volume.labels));
    },

    async removeVolume(name: string) {
      try {
        await core.deleteNamespacedPersistentVolumeClaim({ name, namespace });
      } catch (error) {
        if (kubeStatus(error) === 404)
          throw new NotFoundError('VOLUME_NOT_FOUND', `No volume claim ${name}`, {
            hint: 'List volumes with `kubectl get pvc`',
            cause: error,
          });
        throw kubeError(`remove the volume claim ${name}`, error, client);
      }
    },
  };
}
