import type {
  V1ConfigMap,
  V1Container,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Secret,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { UsageError } from '../../shared/errors.js';
import {
  assertEveryFieldDecided,
  networkName,
  type AgentFiles,
  type AgentMount,
  type AgentSpec,
} from '../agent-spec.js';
import { toKubernetesMetadata } from './kube-labels.js';

/** Where the Pod gets its workspace: a clone of the host checkout's remote at its commit. */
export interface WorkspaceClone {
  /** The remote's URL as git on the host knows it (`origin`). */
  remote: string;
  commit: string;
  /** The branch checked out on the host, recreated in the clone at that commit (else detached). */
  branch?: string;
  readOnly: boolean;
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
const AGENT_CONTAINER = 'agent';
export const AGENT_CONTAINER_NAME = AGENT_CONTAINER;
const STATE_VOLUME = 'state';
const SECRETS_VOLUME = 'secrets';
/** The workspace lives on the state volume too, so it survives a stop (the Pod is deleted). */
const WORKSPACE_SUBPATH = 'workspace';

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

type WorkspaceMount = Extract<AgentMount, { kind: 'workspace' }>;
type HomeMount = Extract<AgentMount, { kind: 'home' }>;

const unsupported = (what: string, hint: string) =>
  new UsageError('KUBERNETES_UNSUPPORTED', `${what} is not possible on Kubernetes`, { hint });

/**
 * What a Pod can have of the spec's mounts: the workspace (cloned instead of mounted) and the
 * agent's home (a PersistentVolumeClaim). Any other host path (a git dir, an ssh-agent or engine
 * socket) cannot reach a cluster and is refused with the way out.
 */
export function classifyMounts(spec: Pick<AgentSpec, 'mounts' | 'network'>): {
  workspace?: WorkspaceMount;
  home?: HomeMount;
} {
  let workspace: WorkspaceMount | undefined;
  let home: HomeMount | undefined;
  for (const mount of spec.mounts) {
    switch (mount.kind) {
      case 'workspace':
        if (workspace) throw unsupported('More than one workspace', 'Start the agent with one workspace');
        workspace = mount;
        break;
      case 'home':
        if (home) throw unsupported('More than one volume', 'Start the agent with its state volume only');
        home = mount;
        break;
      case 'host':
        throw unsupported(
          `Mounting ${mount.target} from this machine`,
          'Start without --ssh, --docker-access socket or --worktree on Kubernetes: each agent works in its own clone',
        );
    }
  }
  if (spec.network.mode !== 'default')
    throw unsupported(
      `--network ${networkName(spec.network)}`,
      'Drop --network (and `network` in the config) for Kubernetes: Pods use the cluster network',
    );
  return { ...(workspace ? { workspace } : {}), ...(home ? { home } : {}) };
}

function cpuQuantity(cpus: number): string {
  return `${Math.max(1, Math.round(cpus * 1000))}m`;
}

/** `sh -c` script of the clone init container: only when the workspace is still empty. */
export function cloneScript(clone: WorkspaceClone): string {
  const q = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  // The branch tracks its namesake on origin (set by hand: it may not exist there yet), so that a
  // plain `git push` and `git status` inside work as in the user's checkout.
  const checkout = clone.branch
    ? [
        `git -C /workspace checkout -q -B ${q(clone.branch)} ${q(clone.commit)}`,
        `git -C /workspace config ${q(`branch.${clone.branch}.remote`)} origin`,
        `git -C /workspace config ${q(`branch.${clone.branch}.merge`)} ${q(`refs/heads/${clone.branch}`)}`,
      ]
    : [`git -C /workspace checkout -q --detach ${q(clone.commit)}`];
  return [
    'set -e',
    'if [ -e /workspace/.git ]; then echo "agentctl: workspace already cloned"; exit 0; fi',
    `git clone -q --no-checkout ${q(clone.remote)} /workspace`,
    ...checkout,
    `echo "agentctl: cloned ${clone.commit.slice(0, 12)}"`,
  ].join('\n');
}

/**
 * The Pod of an agent, from its record: hardened as on the engines, in Kubernetes terms. Every field
 * of the spec is decided here (assertEveryFieldDecided): what a Pod cannot have is refused with a
 * hint, never dropped.
 */
export function buildPod(name: string, record: AgentRecord, owner: V1ConfigMap): V1Pod {
  const {
    name: _name,
    image,
    command,
    env,
    workingDir,
    user,
    labels,
    terminal,
    mounts: _mounts,
    limits,
    security,
    network: _network,
    ociRuntime,
    ...rest
  } = record.spec;
  assertEveryFieldDecided(rest);
  const placed = classifyMounts(record.spec);
  if (user.keepHostIds) throw unsupported('Keeping host user ids', 'Start without a host user mapping on Kubernetes');
  // Only asked together with a mounted engine socket, which a Pod cannot have (refused above).
  if (security.disableLabel)
    throw unsupported('Running without an SELinux label', 'Start without --docker-access socket on Kubernetes');
  const { uid, gid } = user;
  const volumes: V1Volume[] = [];
  const volumeMounts: V1VolumeMount[] = [];
  const initContainers: V1Container[] = [];
  const hardened = {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: false,
  };

  if (placed.home) {
    volumes.push({ name: STATE_VOLUME, persistentVolumeClaim: { claimName: placed.home.volume } });
    volumeMounts.push({ name: STATE_VOLUME, mountPath: placed.home.target, subPath: 'home' });
    // Fresh volumes are often root's (host-path, many CSI drivers without fsGroup support): the
    // one step that runs as root may only change ownership, nothing else.
    initContainers.push({
      name: 'prepare-state',
      image,
      imagePullPolicy: 'IfNotPresent',
      command: [
        'sh',
        '-c',
        `mkdir -p /state/home /state/${WORKSPACE_SUBPATH} && chown ${uid}:${gid} /state/home /state/${WORKSPACE_SUBPATH}`,
      ],
      securityContext: {
        ...hardened,
        runAsUser: 0,
        runAsGroup: 0,
        runAsNonRoot: false,
        capabilities: { drop: ['ALL'], add: ['CHOWN'] },
      },
      volumeMounts: [{ name: STATE_VOLUME, mountPath: '/state' }],
      resources: smallResources(),
    });
  }
  if (placed.workspace) {
    if (!record.workspace)
      throw unsupported('A workspace without a git remote', 'Push the repository to a remote the cluster can reach');
    const workspaceMount: V1VolumeMount = placed.home
      ? { name: STATE_VOLUME, mountPath: placed.workspace.target, subPath: WORKSPACE_SUBPATH }
      : { name: 'workspace', mountPath: placed.workspace.target };
    if (!placed.home) volumes.push({ name: 'workspace', emptyDir: {} });
    initContainers.push({
      name: 'clone-workspace',
      image,
      imagePullPolicy: 'IfNotPresent',
      command: ['sh', '-c', cloneScript(record.workspace)],
      env: [
        { name: 'GIT_TERMINAL_PROMPT', value: '0' },
        { name: 'HOME', value: '/tmp' },
      ],
      securityContext: {
        ...hardened,
        runAsUser: uid,
        runAsGroup: gid,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      },
      volumeMounts: [workspaceMount],
      resources: smallResources(),
    });
    // SELinux relabelling (relabel) is the engines' concern: a cloned workspace is the Pod's own.
    volumeMounts.push({ ...workspaceMount, readOnly: placed.workspace.readOnly });
  }
  // Read-only for the agent's group (fsGroup): the files are root's, like a Secret's always are.
  const dirs = [...new Set(record.files.map((file) => file.dir))];
  dirs.forEach((dir, index) => {
    const volume = index === 0 ? SECRETS_VOLUME : `${SECRETS_VOLUME}-${index}`;
    const items = record.files.filter((file) => file.dir === dir).map((file) => ({ key: file.key, path: file.name }));
    volumes.push({ name: volume, secret: { secretName: secretName(name), defaultMode: 0o440, items } });
    volumeMounts.push({ name: volume, mountPath: dir, readOnly: true });
  });

  const meta = toKubernetesMetadata(labels);
  const container: V1Container = {
    name: AGENT_CONTAINER,
    image,
    imagePullPolicy: 'IfNotPresent',
    ...(command ? { args: command } : {}),
    env: env.map((variable) => ({ name: variable.name, value: variable.value })),
    workingDir,
    tty: terminal,
    stdin: terminal,
    stdinOnce: false,
    securityContext: {
      ...hardened,
      runAsUser: uid,
      runAsGroup: gid,
      runAsNonRoot: true,
      capabilities: {
        drop: ['ALL'],
        ...(security.addCapabilities.length > 0 ? { add: security.addCapabilities } : {}),
      },
    },
    // Requests equal limits: the scheduler places the agent only where its limits fit. Swap is off
    // on Kubernetes nodes by default (memorySwapBytes equals the memory limit anyway). PIDs are
    // limited per node (the kubelet's podPidsLimit), not per Pod: see docs/kubernetes.md.
    resources: {
      limits: { cpu: cpuQuantity(limits.cpus), memory: String(limits.memoryBytes) },
      requests: { cpu: cpuQuantity(limits.cpus), memory: String(limits.memoryBytes) },
    },
    volumeMounts,
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: meta.labels,
      annotations: meta.annotations,
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
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 10,
      ...(ociRuntime ? { runtimeClassName: ociRuntime } : {}),
      securityContext: {
        fsGroup: gid,
        ...(user.extraGroups.length > 0 ? { supplementalGroups: user.extraGroups } : {}),
        seccompProfile: { type: 'RuntimeDefault' },
      },
      initContainers,
      containers: [container],
      volumes,
    },
  };
}

/** The record's entries for a directory of files, and their contents by Secret key. */
export function recordFiles(files: AgentFiles): { entries: AgentFile[]; data: Record<string, Buffer> } {
  const dir = files.dir.replace(/\/+$/, '') || '/';
  const entries = files.files.map((file) => ({ dir, name: file.name, key: fileKey(dir, file.name) }));
  const data = Object.fromEntries(files.files.map((file, index) => [entries[index]!.key, file.content]));
  return { entries, data };
}

function smallResources() {
  return { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '10m', memory: '32Mi' } };
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
