import type { V1ConfigMap, V1Container, V1Pod, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { UsageError } from '../../shared/errors.js';
import { assertEveryFieldDecided, networkName, type AgentMount, type AgentSpec } from '../agent-spec.js';
import { secretName, type AgentRecord, type WorkspaceClone } from './agent-record.js';
import { applyPlacement } from './pod-placement.js';
import { containerSecurity, limitQuantities, recordPod } from './record-pod.js';

const AGENT_CONTAINER = 'agent';
export const AGENT_CONTAINER_NAME = AGENT_CONTAINER;
const STATE_VOLUME = 'state';
const SECRETS_VOLUME = 'secrets';
/** The workspace lives on the state volume too, so it survives a stop (the Pod is deleted). */
const WORKSPACE_SUBPATH = 'workspace';

type WorkspaceMount = Extract<AgentMount, { kind: 'workspace' }>;
type HomeMount = Extract<AgentMount, { kind: 'home' }>;

const unsupported = (what: string, hint: string) =>
  new UsageError('KUBERNETES_UNSUPPORTED', `${what} is not possible on Kubernetes`, { hint });

/**
 * What a Pod can have of the spec's mounts: the workspace (cloned instead of mounted) and the
 * agent's home (a PersistentVolumeClaim). Any other host path (a git dir, an ssh-agent or engine
 * socket) cannot reach a cluster and is refused with the way out.
 */
export function classifyMounts(spec: Pick<AgentSpec, 'mounts' | 'network' | 'ports' | 'gpus'>): {
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
  const [port] = spec.ports ?? [];
  if (port)
    throw unsupported(
      `Publishing port ${port.containerPort} (--publish)`,
      'Start without --publish on Kubernetes, and reach the port with `agentctl port-forward NAME PORT`',
    );
  if (spec.gpus && !('count' in spec.gpus && typeof spec.gpus.count === 'number'))
    throw unsupported(
      `--gpus ${'deviceIds' in spec.gpus ? `device=${spec.gpus.deviceIds.join(',')}` : 'all'}`,
      'Ask for a number of GPUs on Kubernetes (--gpus 1): the scheduler picks the devices',
    );
  return { ...(workspace ? { workspace } : {}), ...(home ? { home } : {}) };
}

/** `--gpus N` as the NVIDIA device plugin's extended resource (requests equal limits for it). */
function gpuResources(gpus: AgentSpec['gpus']): Record<string, string> {
  return gpus && 'count' in gpus && typeof gpus.count === 'number' ? { 'nvidia.com/gpu': String(gpus.count) } : {};
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
  const already = 'if [ -e /workspace/.git ]; then echo "agentctl: workspace already cloned"; exit 0; fi';
  if (clone.upload) {
    // agentctl writes the pack into UPLOAD_DIR through the exec API (upload-workspace.ts), then
    // `ready`; this step waits for it, then makes the repository from it alone.
    const dir = `"${UPLOAD_DIR}"`;
    return [
      'set -e',
      already,
      `i=0; until [ -e ${dir}/ready ]; do i=$((i+1)); if [ $i -gt ${UPLOAD_WAIT_SECONDS * 10} ]; then echo "agentctl: no upload came within ${UPLOAD_WAIT_SECONDS} s" >&2; exit 1; fi; sleep 0.1; done`,
      `git init -q ${dir}/repo`,
      `git -C ${dir}/repo index-pack --stdin --strict < ${dir}/pack > /dev/null`,
      `mv ${dir}/repo/.git /workspace/.git`,
      `rm -rf ${dir}`,
      ...(clone.remote ? [`git -C /workspace remote add origin ${q(clone.remote)}`] : []),
      ...(clone.remote ? checkout : checkout.slice(0, 1)),
      `echo "agentctl: uploaded ${clone.commit.slice(0, 12)}"`,
    ].join('\n');
  }
  return [
    'set -e',
    already,
    `git clone -q --no-checkout ${q(clone.remote)} /workspace`,
    ...checkout,
    `echo "agentctl: cloned ${clone.commit.slice(0, 12)}"`,
  ].join('\n');
}

/** Where the upload of a workspace lands in the clone init container (on the workspace volume). */
export const UPLOAD_DIR = '/workspace/.agentctl-upload';
/** How long the clone init container waits for agentctl's upload before it fails. */
export const UPLOAD_WAIT_SECONDS = 300;

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
    ports: _ports,
    gpus,
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
      securityContext: containerSecurity('root', { add: ['CHOWN'] }),
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
      securityContext: containerSecurity(user),
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
    volumes.push({
      name: volume,
      secret: { secretName: secretName(owner.metadata!.name!), defaultMode: 0o440, items },
    });
    volumeMounts.push({ name: volume, mountPath: dir, readOnly: true });
  });

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
    securityContext: containerSecurity(user, { add: security.addCapabilities }),
    // Requests equal limits: the scheduler places the agent only where its limits fit. Swap is off
    // on Kubernetes nodes by default (memorySwapBytes equals the memory limit anyway). PIDs are
    // limited per node (the kubelet's podPidsLimit), not per Pod: see docs/kubernetes.md.
    resources: {
      limits: { ...limitQuantities(limits), ...gpuResources(gpus) },
      requests: { ...limitQuantities(limits), ...gpuResources(gpus) },
    },
    volumeMounts,
  };
  const pod = recordPod(name, owner, labels, user, {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 10,
    ...(ociRuntime ? { runtimeClassName: ociRuntime } : {}),
    initContainers,
    containers: [container],
    volumes,
  });
  return applyPlacement(pod, record.placement);
}

function smallResources() {
  return { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '10m', memory: '32Mi' } };
}
