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
import type { ContainerSpec } from '../container-operations.js';
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

/**
 * What agentctl keeps about an agent while its Pod may not exist (a stopped agent has no Pod): the
 * engine-neutral container spec, how its workspace is brought in, who owns its state, and which
 * secrets it has. Stored as JSON in the agent's ConfigMap (never a secret value: those are in the
 * agent's Secret).
 */
export interface AgentRecord {
  spec: ContainerSpec;
  workspace?: WorkspaceClone;
  /** The state volume's owner (from the home directory entry the core hands over). */
  stateOwner?: { uid: number; gid: number };
  /**
   * Files handed over by archive (secrets, a task's input): each is a key of the agent's Secret,
   * projected into its directory. Never their contents: those are only in the Secret.
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

interface Bind {
  source: string;
  target: string;
  readOnly: boolean;
}

function parseBind(bind: string): Bind {
  const [source = '', target = '', options = ''] = bind.split(':');
  return { source, target, readOnly: options.split(',').includes('ro') };
}

const unsupported = (what: string, hint: string) =>
  new UsageError('KUBERNETES_UNSUPPORTED', `${what} is not possible on Kubernetes`, { hint });

/**
 * Splits the spec's binds into what a Pod can have: the workspace (a host directory mounted at the
 * working directory: cloned instead), and one named volume (the agent's state, a
 * PersistentVolumeClaim). Any other host path (a git dir, an ssh-agent or engine socket) cannot
 * reach a cluster and is refused with the way out.
 */
export function classifyBinds(spec: ContainerSpec): { workspace?: Bind; state?: Bind } {
  let workspace: Bind | undefined;
  let state: Bind | undefined;
  for (const bind of spec.HostConfig.Binds.map(parseBind)) {
    if (bind.source.startsWith('/')) {
      if (bind.target === spec.WorkingDir && workspace === undefined) workspace = bind;
      else
        throw unsupported(
          `Mounting ${bind.target} from this machine`,
          'Start without --ssh, --docker-access socket or --worktree on Kubernetes: each agent works in its own clone',
        );
    } else if (state === undefined) {
      state = bind;
    } else {
      throw unsupported('More than one volume', 'Start the agent with its state volume only');
    }
  }
  if (spec.HostConfig.NetworkMode)
    throw unsupported(
      `--network ${spec.HostConfig.NetworkMode}`,
      'Drop --network (and `network` in the config) for Kubernetes: Pods use the cluster network',
    );
  return { ...(workspace ? { workspace } : {}), ...(state ? { state } : {}) };
}

function cpuQuantity(nanoCpus: number): string {
  return `${Math.max(1, Math.round(nanoCpus / 1e6))}m`;
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

/** The Pod of an agent, from its record: hardened as the engine spec is, in Kubernetes terms. */
export function buildPod(name: string, record: AgentRecord, owner: V1ConfigMap): V1Pod {
  const { spec } = record;
  const binds = classifyBinds(spec);
  const [uid, gid] = (spec.User ?? '1000:1000').split(':').map(Number) as [number, number];
  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  const initContainers: V1Container[] = [];
  const hardened = {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: spec.HostConfig.ReadonlyRootfs ?? false,
  };

  if (binds.state) {
    volumes.push({ name: STATE_VOLUME, persistentVolumeClaim: { claimName: binds.state.source } });
    mounts.push({ name: STATE_VOLUME, mountPath: binds.state.target, subPath: 'home' });
    // Fresh volumes are often root's (host-path, many CSI drivers without fsGroup support): the
    // one step that runs as root may only change ownership, nothing else.
    const owner = record.stateOwner ?? { uid, gid };
    initContainers.push({
      name: 'prepare-state',
      image: spec.Image,
      imagePullPolicy: 'IfNotPresent',
      command: [
        'sh',
        '-c',
        `mkdir -p /state/home /state/${WORKSPACE_SUBPATH} && chown ${owner.uid}:${owner.gid} /state/home /state/${WORKSPACE_SUBPATH}`,
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
  if (binds.workspace) {
    if (!record.workspace)
      throw unsupported('A workspace without a git remote', 'Push the repository to a remote the cluster can reach');
    const workspaceMount: V1VolumeMount = binds.state
      ? { name: STATE_VOLUME, mountPath: binds.workspace.target, subPath: WORKSPACE_SUBPATH }
      : { name: 'workspace', mountPath: binds.workspace.target };
    if (!binds.state) volumes.push({ name: 'workspace', emptyDir: {} });
    initContainers.push({
      name: 'clone-workspace',
      image: spec.Image,
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
    mounts.push({ ...workspaceMount, readOnly: binds.workspace.readOnly });
  }
  // Read-only for the agent's group (fsGroup): the files are root's, like a Secret's always are.
  const dirs = [...new Set(record.files.map((file) => file.dir))];
  dirs.forEach((dir, index) => {
    const volume = index === 0 ? SECRETS_VOLUME : `${SECRETS_VOLUME}-${index}`;
    const items = record.files.filter((file) => file.dir === dir).map((file) => ({ key: file.key, path: file.name }));
    volumes.push({ name: volume, secret: { secretName: secretName(name), defaultMode: 0o440, items } });
    mounts.push({ name: volume, mountPath: dir, readOnly: true });
  });
  for (const [path, options] of Object.entries(spec.HostConfig.Tmpfs ?? {})) {
    const volume = `tmp-${volumes.length}`;
    volumes.push({ name: volume, emptyDir: { medium: 'Memory' } });
    mounts.push({ name: volume, mountPath: path, readOnly: options.includes('ro') });
  }

  const meta = toKubernetesMetadata(spec.Labels);
  const container: V1Container = {
    name: AGENT_CONTAINER,
    image: spec.Image,
    imagePullPolicy: 'IfNotPresent',
    ...(spec.Entrypoint ? { command: spec.Entrypoint } : {}),
    ...(spec.Cmd ? { args: spec.Cmd } : {}),
    env: spec.Env.map((entry) => {
      const equals = entry.indexOf('=');
      return equals === -1
        ? { name: entry, value: '' }
        : { name: entry.slice(0, equals), value: entry.slice(equals + 1) };
    }),
    ...(spec.WorkingDir ? { workingDir: spec.WorkingDir } : {}),
    tty: spec.Tty,
    stdin: spec.OpenStdin,
    stdinOnce: spec.StdinOnce,
    securityContext: {
      ...hardened,
      runAsUser: uid,
      runAsGroup: gid,
      runAsNonRoot: true,
      capabilities: {
        drop: spec.HostConfig.CapDrop,
        ...(spec.HostConfig.CapAdd.length > 0 ? { add: spec.HostConfig.CapAdd } : {}),
      },
    },
    // Requests equal limits: the scheduler places the agent only where its limits fit.
    resources: {
      limits: { cpu: cpuQuantity(spec.HostConfig.NanoCpus), memory: String(spec.HostConfig.Memory) },
      requests: { cpu: cpuQuantity(spec.HostConfig.NanoCpus), memory: String(spec.HostConfig.Memory) },
    },
    volumeMounts: mounts,
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
      ...(spec.HostConfig.Runtime ? { runtimeClassName: spec.HostConfig.Runtime } : {}),
      securityContext: {
        fsGroup: gid,
        ...(spec.HostConfig.GroupAdd ? { supplementalGroups: spec.HostConfig.GroupAdd.map(Number) } : {}),
        seccompProfile: { type: 'RuntimeDefault' },
      },
      initContainers,
      containers: [container],
      volumes,
    },
  };
}

function smallResources() {
  return { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '10m', memory: '32Mi' } };
}

/** The agent's record object: a ConfigMap with the agent's labels and its record as JSON. */
export function buildRecordConfigMap(name: string, record: AgentRecord): V1ConfigMap {
  const meta = toKubernetesMetadata(record.spec.Labels);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: meta.labels, annotations: { ...meta.annotations, [STATE_ANNOTATION]: 'created' } },
    data: { [RECORD_KEY]: JSON.stringify(record) },
  };
}

export function buildSecret(name: string, files: Record<string, Buffer>, owner: V1ConfigMap): V1Secret {
  const meta = toKubernetesMetadata(JSON.parse(owner.data?.[RECORD_KEY] ?? '{"spec":{"Labels":{}}}').spec.Labels);
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
    return JSON.parse(text) as AgentRecord;
  } catch {
    return undefined;
  }
}
