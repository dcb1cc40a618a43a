import type { V1ConfigMap, V1PersistentVolumeClaim, V1Secret } from '@kubernetes/client-node';
import { UsageError } from '../../shared/errors.js';
import type { AgentFiles, AgentSpec } from '../agent-spec.js';
import { toKubernetesMetadata } from './kube-labels.js';
import type { PodPlacement } from './pod-placement.js';

/** Where the Pod gets its workspace: a clone of the host checkout's remote at its commit. */
export interface WorkspaceClone {
  /** The remote's URL as git on the host knows it (`origin`). */
  remote: string;
  commit: string;
  /** The branch checked out on the host, recreated in the clone at that commit (else detached). */
  branch?: string;
  readOnly: boolean;
  /**
   * `kubernetes.workspace: upload`: the commit and its history come from this machine through the
   * API (upload-workspace.ts), not from the remote; `remote` is then origin's URL when there is
   * one (for the agent's own pushes), else empty.
   */
  upload?: true;
}

/** The agent spec as its record keeps it: without the files' contents (those are in the Secret). */
export type RecordedSpec = Omit<AgentSpec, 'files'>;

/**
 * What agentctl keeps about an agent while its Pod may not exist (a stopped agent has no Pod): the
 * engine-neutral agent spec, how its workspace is brought in, and which files it has. Stored as
 * JSON in the agent's ConfigMap (never a secret value: those are in the agent's Secret).
 */
export interface AgentRecord {
  /** The record's format: 2 since the spec is the engine-neutral AgentSpec. */
  format: 2;
  spec: RecordedSpec;
  workspace?: WorkspaceClone;
  /**
   * The spec's files (secrets, a task's input): each is a key of the agent's Secret, projected
   * into its directory. Never their contents: those are only in the Secret.
   */
  files: AgentFile[];
  /** Placement and identity from the config when the agent was created (`kubernetes.pod`, requests). */
  placement?: PodPlacement;
  /** Present on the egress gateway's record: its Pod is the gateway's (gateway-pod.ts), not an agent's. */
  gateway?: GatewayRecord;
}

/** What the gateway's Pod needs beyond the spec (kube-egress.ts `createGateway`). */
export interface GatewayRecord {
  /** The file the command runs, written by exec after the Pod starts: the command waits for it. */
  program: string;
  /** The NetworkPolicy names of its two "networks" (the agents' side, its own way out). */
  internalNetwork: string;
  externalNetwork: string;
}

export interface AgentFile {
  /** Directory in the container, e.g. /run/secrets. */
  dir: string;
  /** File name in that directory. */
  name: string;
  /** Key in the agent's Secret. */
  key: string;
}

/** A Secret key for a file: keys are [-._a-zA-Z0-9]+ and unique across directories. */
export function fileKey(dir: string, name: string): string {
  return `${dir}/${name}`.replace(/^\/+/, '').replace(/[^-._a-zA-Z0-9]/g, '_');
}

export const RECORD_KEY = 'agent.json';
export const STATE_ANNOTATION = 'agentctl.io/state';
export const EXIT_CODE_ANNOTATION = 'agentctl.io/exit-code';
export const FINISHED_ANNOTATION = 'agentctl.io/finished-at';

export function secretName(recordName: string): string {
  return `${recordName}-secrets`;
}

/** Kubernetes object names are DNS-1123 subdomains: lower case, digits, '-' and '.'. */
export function checkKubernetesName(name: string): void {
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) {
    throw new UsageError(
      'KUBERNETES_NAME_INVALID',
      `"${name}" cannot name a Kubernetes object (lower-case letters, digits, '-' and '.' only)`,
      {
        hint: 'Choose an agent name in lower case without "_", e.g. `agentctl start my-agent`',
      },
    );
  }
}

/**
 * An agent's record name (`agentctl-NAME`) also names its StatefulSet and, as a label value, its
 * Pods: a DNS label (no '.') of at most 52 characters, as the StatefulSet controller needs for its
 * Pods' `controller-revision-hash` label (name + 11 characters within 63).
 */
export const MAX_RECORD_NAME = 52;
export function checkAgentName(name: string): void {
  checkKubernetesName(name);
  if (name.length > MAX_RECORD_NAME || name.includes('.')) {
    throw new UsageError(
      'KUBERNETES_NAME_INVALID',
      `"${name}" cannot name an agent on Kubernetes: at most ${MAX_RECORD_NAME} characters with the agentctl- prefix, and no '.'`,
      { hint: 'Choose a shorter agent name of lower-case letters, digits and "-"' },
    );
  }
}

/** The record's entries for a directory of files, and their contents by Secret key. */
export function recordFiles(files: AgentFiles): { entries: AgentFile[]; data: Record<string, Buffer> } {
  const dir = files.dir.replace(/\/+$/, '') || '/';
  const entries = files.files.map((file) => ({ dir, name: file.name, key: fileKey(dir, file.name) }));
  const data = Object.fromEntries(files.files.map((file, index) => [entries[index]!.key, file.content]));
  return { entries, data };
}

/** The agent's record object: a ConfigMap with the agent's labels and its record as JSON. */
export function buildRecordConfigMap(name: string, record: AgentRecord): V1ConfigMap {
  const meta = toKubernetesMetadata(record.spec.labels);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: meta.labels, annotations: { ...meta.annotations, [STATE_ANNOTATION]: 'created' } },
    data: { [RECORD_KEY]: JSON.stringify(record) },
  };
}

export function buildSecret(name: string, files: Record<string, Buffer>, owner: V1ConfigMap): V1Secret {
  const meta = toKubernetesMetadata(parseRecord(owner)?.spec.labels ?? {});
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: secretName(name),
      labels: meta.labels,
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          name: owner.metadata!.name!,
          uid: owner.metadata!.uid!,
          controller: false,
          blockOwnerDeletion: false,
        },
      ],
    },
    data: Object.fromEntries(Object.entries(files).map(([key, value]) => [key, value.toString('base64')])),
  };
}

export function buildClaim(
  name: string,
  labels: Record<string, string>,
  options: { size: string; storageClass?: string },
): V1PersistentVolumeClaim {
  const meta = toKubernetesMetadata(labels);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, labels: meta.labels, annotations: meta.annotations },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: options.size } },
      ...(options.storageClass ? { storageClassName: options.storageClass } : {}),
    },
  };
}

export function parseRecord(configMap: V1ConfigMap): AgentRecord | undefined {
  const text = configMap.data?.[RECORD_KEY];
  if (text === undefined) return undefined;
  try {
    const record = JSON.parse(text) as AgentRecord;
    // A record of an earlier format (before the engine-neutral spec) is not read as this one.
    return record.format === 2 ? record : undefined;
  } catch {
    return undefined;
  }
}
