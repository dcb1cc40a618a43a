import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { ConflictError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import type { ContainerDetails, ContainerOperations, ContainerSummary, LabelFilter } from '../container-operations.js';
import { kubeError, kubeStatus, orUndefined, type KubeClient } from './kube-client.js';
import { fromKubernetesMetadata, splitLabelFilter } from './kube-labels.js';
import {
  buildRecordConfigMap,
  buildSecret,
  checkAgentName,
  recordFiles,
  parseRecord,
  secretName,
  type AgentRecord,
  type GatewayRecord,
  type WorkspaceClone,
} from './agent-record.js';
import { classifyMounts } from './pod-spec.js';
import { RECORD_NAME_LABEL, RECORD_UID_LABEL } from './record-pod.js';
import { createAgentLifecycle } from './agent-lifecycle.js';
import { createKubeVolumeOperations } from './kube-volumes.js';
import type { PodPlacement } from './pod-placement.js';
import type { AgentFiles, AgentSpec } from '../agent-spec.js';
import { AGENT_ID, agentId, agentNotFound, defaultSleep, toDetails, type AgentObjects } from './agent-objects.js';
import { createPodWaits } from './wait-pod.js';

export interface KubeContainerDeps {
  client: KubeClient;
  /** The remote and commit of a host checkout, for the clone the Pod starts from. */
  describeWorkspace(path: string, readOnly: boolean): Promise<WorkspaceClone>;
  storage: { size: string; storageClass?: string };
  /** Placement and identity of new agents' Pods (config `kubernetes.pod`, `kubernetes.requests`). */
  placement?: PodPlacement;
  sleep?: (ms: number) => Promise<void>;
  /** How long startContainer waits for the Pod's agent container to run (image pulls included). */
  startTimeoutMs?: number;
  /** `kubernetes.workspace: upload`: sends the workspace into the Pod's clone step (upload-workspace.ts). */
  uploadWorkspace?(pod: V1Pod, record: AgentRecord): Promise<void>;
}

/**
 * Container and volume operations on Kubernetes. An agent's "container" is its record — a ConfigMap
 * holding the engine-neutral spec — plus, while it runs, a Pod made from it; stop deletes the Pod,
 * start makes a new one; the agent's state volume is a PersistentVolumeClaim; secrets handed over
 * as an archive become a Secret mounted as files.
 */
export function createKubeContainerOperations(deps: KubeContainerDeps): ContainerOperations & {
  createContainer(spec: AgentSpec, extra?: { gateway?: GatewayRecord }): Promise<{ id: string }>;
  getAgentObjects(name: string): Promise<AgentObjects | undefined>;
  listAgentObjects(labels: LabelFilter): Promise<AgentObjects[]>;
  /** An agent under a StatefulSet whose command ended is stopped (see agent-lifecycle.ts). */
  settleExit(objects: AgentObjects): Promise<AgentObjects>;
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

  /** The agent's Pods by label (RECORD_NAME_LABEL): a StatefulSet's is not named as its record. */
  const listPods = (labelSelector: string) =>
    core.listNamespacedPod({ namespace, labelSelector }).catch(fail('list Pods'));

  async function getAgentObjects(nameOrId: string): Promise<AgentObjects | undefined> {
    const name = await resolveName(nameOrId);
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) return undefined;
    const selector = name.length <= 63 ? `${RECORD_NAME_LABEL}=${name}` : undefined;
    const [record, pods] = await Promise.all([
      readRecord(name),
      selector ? listPods(selector) : Promise.resolve({ items: [] as V1Pod[] }),
    ]);
    if (!record) return undefined;
    remember(record);
    // A Pod of an earlier agent of the same name (being deleted) is not this record's.
    const pod = podOf(record, pods.items);
    return { record, ...(pod ? { pod } : {}) };
  }

  async function listAgentObjects(labels: LabelFilter): Promise<AgentObjects[]> {
    const filter = splitLabelFilter(labels);
    const [records, pods] = await Promise.all([
      core.listNamespacedConfigMap({ namespace, labelSelector: filter.selector }).catch(fail('list agents')),
      listPods(filter.selector),
    ]);
    records.items.forEach(remember);
    return records.items
      .filter((record) => filter.matches(fromKubernetesMetadata(record.metadata)))
      .map((record) => {
        const pod = podOf(record, pods.items);
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
  const lifecycle = createAgentLifecycle({
    client,
    getAgentObjects,
    updateRecord,
    waits: { waitPodGone, waitPodStarted },
    ...(deps.uploadWorkspace ? { uploadWorkspace: deps.uploadWorkspace } : {}),
  });

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

  /** Every agent's details from one list of records and one of Pods (settled first: see settleExit). */
  async function listDetails(options: { labels: LabelFilter; all: boolean }): Promise<ContainerDetails[]> {
    const objects = await Promise.all((await listAgentObjects(options.labels)).map(lifecycle.settleExit));
    return objects.map(toDetails).filter((details) => options.all || details.state === 'running');
  }

  return {
    getAgentObjects,
    listAgentObjects,
    settleExit: lifecycle.settleExit,

    /** `extra.gateway`: the egress gateway's record (kube-egress.ts), whose Pod is the gateway's. */
    async createContainer(spec: AgentSpec, extra: { gateway?: GatewayRecord } = {}) {
      checkAgentName(spec.name);
      const { files, ...recorded } = spec;
      const { workspace } = classifyMounts(spec);
      const record: AgentRecord = {
        format: 2,
        spec: recorded,
        files: [],
        ...(deps.placement && !extra.gateway ? { placement: deps.placement } : {}),
        ...(extra.gateway ? { gateway: extra.gateway } : {}),
      };
      if (workspace) record.workspace = await deps.describeWorkspace(workspace.source, workspace.readOnly);
      // The clone's branch is the agent's: `ls` shows it, as for a worktree agent on an engine; the
      // commit it was cloned at is its base (`agentctl diff` compares with it).
      const branch = record.workspace?.branch;
      const base = record.workspace?.commit;
      record.spec = {
        ...recorded,
        labels: {
          ...spec.labels,
          ...(branch && !spec.labels[LABELS.branch] ? { [LABELS.branch]: branch } : {}),
          ...(base && !spec.labels[LABELS.base] ? { [LABELS.base]: base } : {}),
        },
      };
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
      await lifecycle.startAgent(await resolveName(nameOrId), options);
    },

    async stopContainer(nameOrId: string, timeoutSeconds: number) {
      await lifecycle.stopAgent(await resolveName(nameOrId), timeoutSeconds);
    },

    async removeContainer(nameOrId: string, options?: { force?: boolean }) {
      await lifecycle.removeAgent(await resolveName(nameOrId), options);
    },

    /** The Pod's RuntimeClass (the record's runtime); the API server refuses one that does not exist. */
    async fetchOciRuntime(id: string) {
      const objects = await getAgentObjects(id);
      if (!objects) throw agentNotFound(id, namespace);
      return objects.pod?.spec?.runtimeClassName ?? parseRecord(objects.record)?.spec.ociRuntime;
    },

    async inspectContainer(nameOrId: string) {
      const objects = await getAgentObjects(nameOrId);
      return objects ? toDetails(await lifecycle.settleExit(objects)) : undefined;
    },

    async listContainers(options: { labels: LabelFilter; all: boolean }): Promise<ContainerSummary[]> {
      return (await listDetails(options)).map((details) => ({
        id: details.id,
        name: details.name,
        state: details.state,
        labels: details.labels,
        image: details.image,
      }));
    },

    listContainerDetails: listDetails,

    async copyFiles(nameOrId: string, files: AgentFiles) {
      await addFiles(await resolveName(nameOrId), files);
    },
    ...createKubeVolumeOperations(client, deps.storage),
  };
}

/** The record's Pod among those listed: its uid label says so; one not being deleted first. */
function podOf(record: V1ConfigMap, pods: V1Pod[]): V1Pod | undefined {
  const uid = record.metadata?.uid;
  const own = pods.filter((pod) => uid && pod.metadata?.labels?.[RECORD_UID_LABEL] === uid);
  return own.find((pod) => !pod.metadata?.deletionTimestamp) ?? own[0];
}
