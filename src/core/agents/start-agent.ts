import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import type { Config } from '../../config/schema.js';
import { BUILD_INFO } from '../../shared/build-info.js';
import { ConflictError, UsageError, isAgentctlError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import { parseUserLabels } from './user-labels.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import { getHalfMadeContainer } from '../../runtime/container-operations.js';
import { parseEndpoint } from '../../runtime/endpoint.js';
import type { EngineInfo } from '../../runtime/engine-operations.js';
import { containerName, homeVolumeName } from './agent-name.js';
import { agentLabels, buildAgentSpec } from './agent-spec.js';
import { specFacts } from '../../runtime/agent-spec.js';
import { checkAgentAccess, decideAgentUser } from './agent-user.js';
import { getLimitsIgnoredReason } from './limits-enforcement.js';
import { fitCpusToEngine } from './limits.js';
import { secretFileEnv, secretFiles } from './secrets.js';
import { prepareStart, type StartAgentOptions } from './start-options.js';
import { findRequestedChanges, settingsDifferError } from './resume-changes.js';
import { retryWhileUnreachable } from './retry-unreachable.js';
import { startOutcome, waitUntilRunning, type StartOutcome } from './wait-running.js';
import { AGENT_FILTER } from './agent-lookup.js';
import { prepareAgentWorkspace } from '../worktree/prepare-agent-workspace.js';
import { confirmSoleWriter } from '../worktree/checkout-claim.js';
import { getDataDir } from '../../config/paths.js';
import { openStartJournal } from './start-journal.js';
import {
  announceLoosenings,
  checkAgainstEngine,
  checkCreated,
  checkHomeVolume,
  checkMountedWorkspace,
} from './start-checks.js';
import type { Loosening } from './loosenings.js';
import { getRecordedImage, type ImageFacts } from './recorded-image.js';
import {
  checkEgressSupported,
  prepareAgentEgress,
  resumeAgentEgress,
  type AgentEgressDeps,
} from '../egress/agent-egress.js';
import { requestResume, resumableCommand, resumeUnsupported } from './session-resume.js';
import { ttlLabels } from './agent-ttl.js';

export interface ResolvedAgentImage {
  reference: string;
  source: string;
  id: string;
  digest: string | null;
  user?: string;
  /** The image's default command, when known (what a resumable agent runs when not resuming). */
  command?: string[];
}

export interface StartAgentDeps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  config: Config;
  signal?: AbortSignal;
  /** Connects to the engine (called only once the command line checked out). */
  runtime(): Promise<ContainerRuntime>;
  resolveImage(
    runtime: ContainerRuntime,
    request: { image?: string; agent?: string; pull?: StartAgentOptions['pull']; useLocal?: boolean },
  ): Promise<ResolvedAgentImage>;
  registerSecret(value: string): void;
  log(message: string): void;
  /** A warning the user always sees (stderr, even with --quiet): each loosening of an agent's confinement. */
  warn?(message: string): void;
  /** agentctl's own uid/gid (process.getuid); undefined on Windows. */
  hostUser?: { uid: number; gid: number };
  /** The user's home directory (default data and worktree paths); default os.homedir(). */
  homedir?: string;
  /** The engine's info (rootless, SELinux); default runtime.fetchEngineInfo(). The CLI caches it (slow on Podman). */
  engineInfo?(runtime: ContainerRuntime): Promise<EngineInfo>;
  /** Kills processes a removed half-made container left on this machine; returns their pids (container-process.ts). */
  reapProcesses?(runtime: ContainerRuntime, containerId: string): Promise<number[]>;
  /** The egress gateway's proxy program (and more upstream CAs): for policies allowlist and learn. */
  gatewayFiles?: AgentEgressDeps['gatewayFiles'];
  /** The images' CA bundles seen before (egress: the agent's CA files go in with its other files). */
  imageBundles?: AgentEgressDeps['imageBundles'];
}

export interface StartedAgent extends ImageFacts {
  name: string;
  container: string;
  id: string;
  /** An existing stopped agent was started again (its configuration unchanged). */
  resumed: boolean;
  image: string;
  workspace: string;
  volume: string;
  user: string;
  health?: string;
  /** What this agent gets beyond the hardened default (host network, engine socket, …): loosenings.ts. */
  loosened: Loosening[];
  /** With a worktree: its host path. */
  worktree?: string;
  /** The agent's branch (every writing agent on a git checkout has its own). */
  branch?: string;
  /**
   * Detached starts: `running`, or `exited` when its command already ran and ended (a result,
   * not a failed start: the container and its logs are kept), with `exitCode` and `finishedAt`.
   */
  state?: StartOutcome['state'];
  exitCode?: number | null;
  finishedAt?: string | null;
}

/** A created (or stopped, existing) agent, ready to start. */
export interface PendingAgent extends Omit<StartedAgent, 'health' | 'state' | 'exitCode' | 'finishedAt'> {
  /** The container's labels (where its git state is, among others). */
  labels: Readonly<Record<string, string>>;
  /**
   * Starts it. Detached: waits until it runs (and is healthy), removing what this start created
   * when it does not. Attached: only starts it (the attach session follows what it does).
   */
  start(mode: 'detached' | 'attached'): Promise<StartedAgent>;
  /** Removes what this start created (nothing for a resumed agent); for a failure before start. */
  discard(): Promise<void>;
}

/** Starts agent NAME detached: `prepareAgent` then `start('detached')`. */
export async function startAgent(deps: StartAgentDeps, options: StartAgentOptions): Promise<StartedAgent> {
  return (await prepareAgent(deps, options)).start('detached');
}

/**
 * Gets agent NAME ready to start: an existing stopped agent as it is; otherwise the image is
 * resolved first, then the home volume and the container are created and the secrets copied in.
 * Anything created by a start that fails is removed again.
 */
export async function prepareAgent(deps: StartAgentDeps, options: StartAgentOptions): Promise<PendingAgent> {
  const userLabels = parseUserLabels(options.labels);
  const prepared = await prepareStart(deps, options);
  const runtime = await deps.runtime();
  checkEgressSupported(runtime, prepared.egress);
  const lifetime = ttlLabels(runtime, prepared.ttlSeconds);
  const name = prepared.name;
  const container = containerName(name);
  const volume = homeVolumeName(name);
  // GET /info is slow on Podman (about a second here): ask while the rest goes on (the CLI also
  // keeps the answer for the next start against the same engine: runtime/engine-info-cache.ts).
  const engineInfo = deps.engineInfo ? deps.engineInfo(runtime) : runtime.fetchEngineInfo();
  engineInfo.catch(() => undefined);

  const existing = await runtime.inspectContainer(container);
  if (existing) {
    if (existing.labels[LABELS.managed] !== 'true') {
      throw new ConflictError(
        'NAME_TAKEN',
        `The container name ${container} is used by a container agentctl did not create`,
        {
          hint: 'Choose another name with `agentctl start NAME`',
        },
      );
    }
    if (!['exited', 'stopped'].includes(existing.state)) {
      throw new ConflictError('AGENT_EXISTS', `Agent ${name} already exists (${existing.state})`, {
        hint: `Attach with \`agentctl attach ${name}\`, or choose another name`,
        details: { agent: name, state: existing.state },
      });
    }
    // A flag that would change the agent is refused, never dropped silently (resume-changes.ts).
    const changes = findRequestedChanges(existing, options, prepared, deps.config);
    if (changes.length > 0) throw settingsDifferError(name, existing.state, changes);
    if (options.continue) await requestResume(runtime, { name, id: existing.id, labels: existing.labels });
    // An agent of a gateway policy needs its gateway running, with its registration.
    await resumeAgentEgress(egressDeps(deps), runtime, {
      name,
      labels: existing.labels,
      agentImage: existing.labels[LABELS.image] ?? existing.image,
    });
    deps.log(`starting the existing agent ${name} again (its configuration is unchanged)`);
    const base = {
      name,
      container,
      id: existing.id,
      resumed: true,
      image: existing.labels[LABELS.image] ?? existing.image,
      ...getRecordedImage(existing),
      workspace: existing.labels[LABELS.workspace] ?? '',
      volume,
      user: existing.user,
      loosened: announceLoosenings(deps, name, existing.spec),
      ...(existing.labels[LABELS.branch] ? { branch: existing.labels[LABELS.branch] } : {}),
      ...(existing.labels[LABELS.worktree] ? { worktree: existing.labels[LABELS.worktree] } : {}),
    };
    return {
      ...base,
      labels: existing.labels,
      async start(mode) {
        await runtime.startContainer(existing.id, { signal: deps.signal, timeoutMs: options.waitTimeoutMs });
        if (mode === 'attached') return base;
        const details = await waitUntilRunning(
          { runtime, signal: deps.signal },
          existing.id,
          name,
          options.waitTimeoutMs,
          existing.startedAt,
        );
        return { ...base, ...startOutcome(details) };
      },
      discard: async () => undefined,
    };
  }

  if (prepared.workspaceRefused) throw prepared.workspaceRefused;
  if (options.continue && !prepared.resumable)
    throw resumeUnsupported(name, `its profile ${prepared.agent ?? '(none: --image)'} has no resumeCommand`);
  const image = await deps.resolveImage(runtime, {
    image: options.image,
    agent: prepared.agent,
    pull: options.pull,
    useLocal: options.useLocalImage,
  });
  deps.log(`image ${image.reference} (${image.source}, ${image.digest ?? image.id})`);
  const info = await engineInfo;
  // The default 2 CPUs on a 1-CPU engine would fail every start: the default shrinks to fit (and
  // says so); a value the user gave (flag or config) above the engine's count is refused.
  const fitted = fitCpusToEngine(
    prepared.limits,
    info.cpus,
    options.cpus !== undefined || deps.config.resources?.cpus !== undefined,
  );
  if (fitted.note) (deps.warn ?? deps.log)(fitted.note);
  const ociRuntime = await checkAgainstEngine(deps, runtime, info, {
    workspace: prepared.workspace,
    ociRuntime: options.ociRuntime,
  });
  const selinux = info.securityOptions.some((option) => /(^|,)name=selinux(,|$)/.test(option));
  const user = decideAgentUser({
    rootlessUsers: runtime.capabilities.rootlessUsers,
    platform: deps.platform,
    rootless: info.rootless,
    host: deps.hostUser,
    workspaceOwner: prepared.workspaceOwner,
    bindMounts: runtime.capabilities.bindMounts,
  });
  deps.log(
    `user ${user.uid}:${user.gid}${user.keepHostIds ? ' (userns keep-id)' : ''}: ${user.reason}${selinux ? '; SELinux: relabelling the workspace' : ''}`,
  );
  const limitsIgnored = getLimitsIgnoredReason(runtime.kind, info);
  if (limitsIgnored) (deps.warn ?? deps.log)(`agent ${name} runs without resource limits: ${limitsIgnored}`);

  const listAgents = async () =>
    (await runtime.listContainers({ labels: AGENT_FILTER, all: true })).map((item) => ({
      name: item.labels[LABELS.agent] ?? item.name,
      labels: item.labels,
    }));
  // Worktree isolation: the agent's own worktree (or the checkout), and git working inside.
  const agentWorkspace = await prepareAgentWorkspace(
    {
      config: deps.config,
      env: deps.env,
      homedir: deps.homedir ?? homedir(),
      processUser: deps.hostUser,
      listAgents: async () => {
        const agents = await listAgents();
        // Not there when inspected above: another start of this name won the race (not "checkout in use").
        if (agents.some((agent) => agent.name === name)) {
          throw new ConflictError('CONTAINER_NAME_TAKEN', `Agent ${name} was just created by another agentctl`, {
            hint: `Use it (\`agentctl attach ${name}\`), or choose another name`,
            details: { agent: name },
          });
        }
        return agents;
      },
      log: deps.log,
      engine: runtime.endpoint.url,
      ...(deps.signal ? { signal: deps.signal } : {}),
    },
    {
      name,
      workspace: prepared.workspace,
      readOnly: options.readOnly,
      worktree: options.worktree,
      branch: options.branch,
      base: options.base,
      selinux,
      ownCopy: !runtime.capabilities.bindMounts,
    },
  );
  const worktreeResult = {
    ...(agentWorkspace.worktree ? { worktree: agentWorkspace.worktree.path } : {}),
    ...(agentWorkspace.repository ? { branch: agentWorkspace.repository.branch } : {}),
  };
  // What this start makes is journalled: a start killed half-way is cleaned up by the next agentctl.
  // Opened before the gateway is used: `prune` leaves the gateway alone while a start is in progress.
  const journal = await openStartJournal(
    getDataDir(deps.config, deps.env, deps.homedir ?? homedir()),
    name,
    runtime.endpoint.url,
  ).catch(async (error: unknown) => {
    await agentWorkspace.discard();
    throw error;
  });
  // allowlist and learn: the gateway (made or started when needed), the agent's token, CA and
  // placeholders. Before the agent's volume and container: a gateway that fails leaves nothing.
  const egress = await prepareAgentEgress(egressDeps(deps), runtime, {
    name,
    choice: prepared.egress,
    secrets: prepared.secrets,
    agentImage: image.reference,
    imageId: image.id,
  }).catch(async (error: unknown) => {
    await agentWorkspace.discard();
    await journal.close();
    throw error;
  });
  for (const value of egress.redact) deps.registerSecret(value);

  let createdVolume = false;
  let id: string | undefined;
  const discard = async () => {
    await cleanUp(runtime, id, createdVolume ? volume : undefined, deps);
    await egress.discard();
    await agentWorkspace.discard();
    await journal.close();
  };
  // A resumable agent runs the launcher (session-resume.ts) around its interactive command.
  const interactive = prepared.command ?? image.command;
  const session = prepared.resumable && interactive ? resumableCommand(interactive, prepared.resumable) : undefined;
  let spec;
  try {
    const input = {
      name,
      workspace: agentWorkspace.workspace,
      extraMounts: agentWorkspace.mounts,
      extraLabels: {
        ...agentWorkspace.labels,
        ...session?.labels,
        ...(limitsIgnored ? { [LABELS.limitsIgnored]: limitsIgnored } : {}),
        ...egress.labels,
        ...lifetime,
        ...(options.task ? { [LABELS.task]: 'true' } : {}),
        ...userLabels,
      },
      readOnly: options.readOnly,
      image: { reference: image.reference, id: image.id, digest: image.digest ?? undefined, source: image.source },
      command: session?.command ?? prepared.command,
      // The agent's git identity first: the user's own --env / profile env wins; the gateway's
      // proxy variables and placeholders over both.
      env: [...agentWorkspace.env, ...prepared.env, ...egress.env],
      secretFileEnv: secretFileEnv(egress.secrets),
      files: [...secretFiles(egress.secrets), ...egress.files],
      user,
      limits: fitted.limits,
      capabilities: prepared.capabilities,
      engineSocket: options.dockerAccess === 'socket' ? await engineSocket(runtime) : undefined,
      sshSocket: prepared.sshSocket,
      selinux,
      ociRuntime,
      network: prepared.egress.policy === 'none' ? 'none' : (egress.network ?? options.network ?? deps.config.network),
      cliVersion: BUILD_INFO.version,
      tty: options.tty ?? true,
      // --publish, --mount, --gpus (checked in prepareStart).
      ...prepared.additions,
    };
    spec = buildAgentSpec(input);
    await checkAgentAccess(user, {
      workspace: agentWorkspace.workspace,
      readOnly: options.readOnly,
      ...(prepared.sshSocket ? { sshSocket: prepared.sshSocket } : {}),
    });
    if (agentWorkspace.workspace !== prepared.workspace)
      await checkMountedWorkspace(deps, runtime, info, agentWorkspace.workspace, Boolean(options.allowUnsafeWorkspace));
    createdVolume = await runtime.createVolume(volume, agentLabels(input, 'home'));
    if (!createdVolume) await checkHomeVolume(runtime, volume, name);
    deps.log(createdVolume ? `created volume ${volume}` : `reusing volume ${volume}`);
    await journal.record({ createdVolume });
    id = (await runtime.createContainer(spec)).id;
    await journal.record({ container: id });
    deps.log(`created container ${container} (${id.slice(0, 12)})`);
    await checkCreated(deps, runtime, id, ociRuntime);
    await egress.afterCreate(id);
    // Re-created on a kept home volume: its session is there (else SESSION_NOT_FOUND, and nothing stays).
    if (options.continue) await requestResume(runtime, { name, id, labels: spec.labels });
    if (runtime.capabilities.bindMounts) confirmSoleWriter({ name, labels: spec.labels }, await listAgents());
    await agentWorkspace.release();
    if (deps.signal?.aborted) throw deps.signal.reason;
  } catch (error) {
    id ??= getHalfMadeContainer(error);
    await discard();
    throw error;
  }
  const createdId = id;
  const loosened = announceLoosenings(deps, name, specFacts(spec), prepared.unsafeWorkspace);
  const base = {
    name,
    container,
    id: createdId,
    resumed: false,
    image: image.reference,
    imageSource: image.source,
    imageDigest: image.digest,
    imageId: image.id.startsWith('sha256:') ? image.id : null,
    workspace: prepared.workspace,
    volume,
    user: `${spec.user.uid}:${spec.user.gid}`,
    loosened,
    ...worktreeResult,
  };
  return {
    ...base,
    labels: spec.labels,
    async start(mode) {
      try {
        await runtime.startContainer(createdId, { signal: deps.signal, timeoutMs: options.waitTimeoutMs });
        await journal.close();
        if (mode === 'attached') return base;
        const details = await waitUntilRunning(
          { runtime, signal: deps.signal },
          createdId,
          name,
          options.waitTimeoutMs,
        );
        return { ...base, ...startOutcome(details) };
      } catch (error) {
        await discard();
        throw error;
      }
    },
    discard,
  };
}

function egressDeps(deps: StartAgentDeps): AgentEgressDeps {
  return {
    env: deps.env,
    config: deps.config,
    log: deps.log,
    ...(deps.gatewayFiles ? { gatewayFiles: deps.gatewayFiles } : {}),
    ...(deps.imageBundles ? { imageBundles: deps.imageBundles } : {}),
  };
}

async function engineSocket(runtime: ContainerRuntime): Promise<{ path: string; gid?: number }> {
  const parsed = parseEndpoint(runtime.endpoint.url);
  if (parsed.protocol !== 'unix' || !parsed.socketPath) {
    throw new UsageError(
      'DOCKER_ACCESS_UNSUPPORTED',
      `--docker-access socket needs a local unix socket; the engine is at ${runtime.endpoint.url}`,
      {
        hint: 'Use a local engine, or start without --docker-access socket',
      },
    );
  }
  // The socket's group lets the non-root agent use it; never the root group (it opens more than the socket).
  const gid = await stat(parsed.socketPath).then(
    (info) => (info.gid !== 0 && (info.mode & 0o060) === 0o060 ? info.gid : undefined),
    () => undefined,
  );
  return { path: parsed.socketPath, ...(gid === undefined ? {} : { gid }) };
}

async function cleanUp(
  runtime: ContainerRuntime,
  id: string | undefined,
  volume: string | undefined,
  deps: Pick<StartAgentDeps, 'log' | 'reapProcesses'>,
): Promise<void> {
  const log = deps.log;
  if (id) {
    const removed = await retryWhileUnreachable(() => runtime.removeContainer(id, { force: true })).then(
      () => (log(`removed the half-made container ${id.slice(0, 12)}`), true),
      (error: unknown) => (log(`could not remove container ${id.slice(0, 12)}: ${(error as Error).message}`), false),
    );
    const reaped = removed && deps.reapProcesses ? await deps.reapProcesses(runtime, id).catch(() => []) : [];
    if (reaped.length > 0) log(`killed processes it left on this machine: ${reaped.join(', ')}`);
  }
  if (volume) {
    // Another start racing for the same name may use the volume now: the engine then refuses (409).
    await retryWhileUnreachable(() => runtime.removeVolume(volume)).then(
      () => log(`removed the volume ${volume}`),
      (error: unknown) =>
        log(`kept the volume ${volume}: ${isAgentctlError(error) ? error.code : (error as Error).message}`),
    );
  }
}
