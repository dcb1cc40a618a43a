import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { ConflictError, EngineError, NotFoundError } from '../../shared/errors.js';
import { CONTAINER_PREFIX, LABELS } from '../../shared/labels.js';
import {
  EXIT_CODE_ANNOTATION,
  FINISHED_ANNOTATION,
  STATE_ANNOTATION,
  parseRecord,
  secretName,
  type AgentRecord,
} from './agent-record.js';
import {
  agentContainerStatus,
  agentExit,
  agentNotFound,
  defaultSleep,
  toState,
  type AgentObjects,
} from './agent-objects.js';
import {
  buildStatefulSet,
  controlledPod,
  controlledPodName,
  createControllerCalls,
  type ControllerCalls,
} from './agent-controller.js';
import { kubeError, kubeStatus, type KubeClient } from './kube-client.js';
import { buildGatewayPod, withGatewayAlias } from './gateway-pod.js';
import { toGatewayDetails } from './kube-egress.js';
import { buildPod } from './pod-spec.js';
import { DEADLINE_ANNOTATION, getDeadline, withDeadline } from './pod-deadline.js';
import type { createPodWaits } from './wait-pod.js';
import { createClaimBinding } from './claim-binding.js';

/**
 * Agents started with `start` (with a terminal or `--no-tty`) run under a StatefulSet; one-shot
 * tasks (`run`, labelled io.agentctl.task) are bare Pods: a task is never run again.
 */
export function isControlled(record: AgentRecord): boolean {
  return record.spec.labels[LABELS.task] !== 'true';
}

export interface AgentLifecycleDeps {
  client: KubeClient;
  getAgentObjects(name: string): Promise<AgentObjects | undefined>;
  updateRecord(name: string, change: (record: V1ConfigMap) => void): Promise<V1ConfigMap>;
  waits: ReturnType<typeof createPodWaits>;
  controllers?: ControllerCalls;
  /** `kubernetes.workspace: upload`: sends the workspace into the Pod's clone step (upload-workspace.ts). */
  uploadWorkspace?(pod: V1Pod, record: AgentRecord): Promise<void>;
  /** Waits until a claim is bound where that is quick (claim-binding.ts); tests give a stand-in. */
  waitClaimBound?(name: string, signal?: AbortSignal): Promise<void>;
}

/** start, stop and rm of an agent: of its StatefulSet (scaled 1 / 0) or of its bare Pod. */
export function createAgentLifecycle(deps: AgentLifecycleDeps) {
  const { client, getAgentObjects, updateRecord } = deps;
  const { core, namespace } = client;
  const { waitPodGone, waitPodStarted } = deps.waits;
  const controllers = deps.controllers ?? createControllerCalls(client);
  const waitClaimBound = deps.waitClaimBound ?? createClaimBinding({ client, sleep: defaultSleep });
  const ignore404 = (action: string) => (error: unknown) => {
    if (kubeStatus(error) !== 404) throw kubeError(action, error, client);
  };
  const deletePod = (name: string, gracePeriodSeconds: number) =>
    core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds }).catch(ignore404(`delete Pod ${name}`));

  /** Keeps how the agent's last Pod ended in its record: a stopped agent has no Pod to ask. */
  async function recordExit(id: string, last: V1Pod | undefined): Promise<void> {
    const terminated = agentExit(last) ?? agentContainerStatus(last)?.state?.terminated;
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
  }

  /**
   * The agent's Pod for this start; with a lifetime (`start --ttl`), held to a deadline counted
   * from now, which the record keeps too (the reason `ls` gives once the Pod is gone).
   */
  /** The IP of the egress gateway's running Pod (an agent of policy allowlist or learn reaches it there). */
  async function gatewayIp(gateway: string): Promise<string | undefined> {
    const objects = await getAgentObjects(gateway);
    return objects && toGatewayDetails(objects).running ? objects.pod?.status?.podIP : undefined;
  }

  async function agentPod(id: string, podName: string, parsed: AgentRecord, record: V1ConfigMap): Promise<V1Pod> {
    const gateway = parsed.spec.labels[LABELS.egressGateway];
    const pod = parsed.gateway
      ? buildGatewayPod(podName, parsed, record)
      : gateway
        ? withGatewayAlias(buildPod(podName, parsed, record), gateway, await gatewayIp(gateway))
        : buildPod(podName, parsed, record);
    const deadline = getDeadline(parsed.spec.labels, Date.now());
    if (!deadline) return pod;
    await updateRecord(id, (current) => {
      current.metadata!.annotations = {
        ...current.metadata?.annotations,
        [DEADLINE_ANNOTATION]: deadline.toISOString(),
      };
    });
    return withDeadline(pod, deadline);
  }

  async function startControlled(id: string, parsed: AgentRecord, record: V1ConfigMap, options: StartOptions) {
    const existing = await controllers.readController(id);
    const objects = await getAgentObjects(id);
    const current = objects?.pod;
    if (current && !current.metadata?.deletionTimestamp) {
      const status = agentContainerStatus(current);
      if (status?.state?.running && !agentExit(current) && existing?.spec?.replicas === 1) return;
      // The command ended (the kubelet would run it again with back-off): a fresh Pod instead.
      if (agentExit(current)) {
        await deletePod(current.metadata!.name!, 0);
        await waitPodGone(current.metadata!.name!, current.metadata?.uid, 60_000);
      }
    }
    const pod = await agentPod(id, controlledPodName(id), parsed, record);
    const controller = buildStatefulSet(id, pod, record, 1);
    if (!objects?.pod) await controllers.admitPod(controlledPod(controller));
    await claimBound(parsed, options.signal);
    if (options.signal?.aborted) throw options.signal.reason;
    if (!existing) await controllers.createController(controller);
    else if (existing.spec?.replicas !== 1) await controllers.scaleController(id, 1, controller.spec);
    await waitPodStarted(controlledPodName(id), { ...options, ...whenInitRuns(parsed), appears: true, recordName: id });
  }

  /** The agent's state claim bound first, where its storage class binds at once (claim-binding.ts). */
  async function claimBound(parsed: AgentRecord, signal?: AbortSignal): Promise<void> {
    const claim = parsed.spec.mounts.find((mount) => mount.kind === 'home');
    if (claim?.kind === 'home') await waitClaimBound(claim.volume, signal);
  }

  /** The upload of an uploading agent's workspace, once its clone step runs (it waits for it). */
  function whenInitRuns(parsed: AgentRecord) {
    const upload = deps.uploadWorkspace;
    if (!parsed.workspace?.upload || !upload) return {};
    return { whenInitRuns: { container: 'clone-workspace', run: (pod: V1Pod) => upload(pod, parsed) } };
  }

  async function startBare(id: string, parsed: AgentRecord, record: V1ConfigMap, options: StartOptions) {
    // A Pod still terminating (a restart right after a stop) must be gone before the new one.
    const old = (await getAgentObjects(id))?.pod;
    if (old) {
      const running = agentContainerStatus(old)?.state?.running && !old.metadata?.deletionTimestamp;
      if (running) return;
      await deletePod(old.metadata!.name!, 0);
      await waitPodGone(old.metadata!.name!, old.metadata?.uid, 60_000);
    }
    await claimBound(parsed, options.signal);
    if (options.signal?.aborted) throw options.signal.reason;
    try {
      await core.createNamespacedPod({ namespace, body: await agentPod(id, id, parsed, record) });
    } catch (error) {
      throw kubeError(`create the Pod of ${id}`, error, client);
    }
    await waitPodStarted(id, { ...options, ...whenInitRuns(parsed) });
  }

  return {
    async startAgent(id: string, options: StartOptions = {}): Promise<void> {
      if (options.signal?.aborted) throw options.signal.reason;
      const record = await updateRecord(id, (current) => {
        current.metadata!.annotations = { ...current.metadata?.annotations, [STATE_ANNOTATION]: 'started' };
      });
      const parsed = parseRecord(record);
      if (!parsed)
        throw new EngineError('AGENT_RECORD_INVALID', `The record of agent ${id} cannot be read`, {
          hint: `Remove the agent with \`agentctl rm ${id.replace(CONTAINER_PREFIX, '')}\``,
        });
      if (isControlled(parsed)) await startControlled(id, parsed, record, options);
      else await startBare(id, parsed, record, options);
    },

    /**
     * Stops the agent: its Pod is deleted with the stop's grace period (at least 1 s: a grace
     * period of 0 would be a forced deletion that returns before the containers stop), then its
     * StatefulSet scaled to 0 — in that order, so that the controller's own deletion (with the
     * template's grace period) does not shorten or lengthen the one asked for; the controller
     * makes no new Pod while the old one terminates. Returns once no Pod is left.
     */
    async stopAgent(id: string, timeoutSeconds: number): Promise<void> {
      const objects = await getAgentObjects(id);
      if (!objects) return;
      const parsed = parseRecord(objects.record);
      const controlled = parsed !== undefined && isControlled(parsed);
      const pod = objects.pod;
      if (pod) {
        await core
          .deleteNamespacedPod({
            name: pod.metadata!.name!,
            namespace,
            gracePeriodSeconds: Math.max(1, Math.round(timeoutSeconds)),
          })
          .catch(ignore404(`stop ${id}`));
      }
      if (controlled) {
        await controllers.scaleController(id, 0).catch((error: unknown) => {
          if (!(error instanceof NotFoundError)) throw error;
        });
      }
      if (!pod) {
        if (controlled) await recordExit(id, undefined);
        return;
      }
      // Any Pod of that name: one the controller made in between is deleted by it (replicas 0).
      const last = await waitPodGone(
        pod.metadata!.name!,
        controlled ? undefined : pod.metadata?.uid,
        (timeoutSeconds + 60) * 1000,
      );
      await recordExit(id, last ?? pod);
    },

    async removeAgent(id: string, options?: { force?: boolean }): Promise<void> {
      const objects = await getAgentObjects(id);
      if (!objects) throw agentNotFound(id, namespace);
      if (objects.pod && toState(objects) === 'running' && !options?.force) {
        throw new ConflictError('CONTAINER_RUNNING', `Agent ${id} is running`, {
          hint: 'Stop it first, or remove it with --force',
        });
      }
      // The controller first, so that it does not put the Pod back.
      const parsed = parseRecord(objects.record);
      const controlled = parsed !== undefined && isControlled(parsed);
      await controllers.deleteController(id);
      const podName = objects.pod?.metadata?.name ?? (controlled ? controlledPodName(id) : undefined);
      if (objects.pod) await deletePod(objects.pod.metadata!.name!, 0);
      await core
        .deleteNamespacedSecret({ name: secretName(id), namespace })
        .catch(ignore404(`delete Secret ${secretName(id)}`));
      await core.deleteNamespacedConfigMap({ name: id, namespace }).catch(ignore404(`delete agent ${id}`));
      // Also a Pod the controller made just before it went (its deletion then removes it).
      if (podName) await waitPodGone(podName, undefined, 60_000);
    },

    /**
     * An agent under a StatefulSet whose command ended: its exit kept in the record, then stopped
     * (replicas 0; the controller deletes the Pod), so that the kubelet does not run the command
     * again. Done by whichever command sees the end first (inspect, ls, wait): agentctl is the
     * controller of that rule. Returns the objects as they are after it (unchanged when there was
     * nothing to settle).
     */
    async settleExit(objects: AgentObjects): Promise<AgentObjects> {
      const { record, pod } = objects;
      const parsed = parseRecord(record);
      // The egress gateway is a service: the kubelet runs its proxy again when it ends.
      if (!parsed || !isControlled(parsed) || parsed.gateway || !pod || pod.metadata?.deletionTimestamp) return objects;
      if (!agentExit(pod)) return objects;
      if (record.metadata?.annotations?.[STATE_ANNOTATION] === 'exited') return objects;
      const id = record.metadata!.name!;
      await recordExit(id, pod);
      await controllers.scaleController(id, 0).catch((error: unknown) => {
        if (!(error instanceof NotFoundError)) throw error;
      });
      return (await getAgentObjects(id)) ?? objects;
    },
  };
}

type StartOptions = { signal?: AbortSignal; timeoutMs?: number };
