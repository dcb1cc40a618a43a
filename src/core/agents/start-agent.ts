import { homedir } from 'node:os';
import { BUILD_INFO } from '../../shared/build-info.js';
import { ConflictError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import { parseUserLabels } from './user-labels.js';
import { getHalfMadeContainer } from '../../runtime/container-operations.js';
import { containerName, homeVolumeName } from './agent-name.js';
import { agentLabels, buildAgentSpec } from './agent-spec.js';
import { specFacts } from '../../runtime/agent-spec.js';
import { checkAgentAccess, decideAgentUser } from './agent-user.js';
import { getLimitsIgnoredReason } from './limits-enforcement.js';
import { fitCpusToEngine } from './limits.js';
import { secretFileEnv, secretFiles } from './secrets.js';
import { prepareStart, type StartAgentOptions } from './start-options.js';
import { startOutcome, waitUntilRunning } from './wait-running.js';
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
import { checkEgressSupported, prepareAgentEgress, type AgentEgressDeps } from '../egress/agent-egress.js';
import { requestResume, resumableCommand, resumeUnsupported } from './session-resume.js';
import { ttlLabels } from './agent-ttl.js';
import type { PendingAgent, StartAgentDeps, StartedAgent } from './start-agent-types.js';
import { prepareExistingAgent } from './start-existing.js';
import { engineSocket } from './engine-socket.js';
import { cleanUp } from './start-cleanup.js';

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
  if (existing) return prepareExistingAgent(deps, options, prepared, runtime, existing, egressDeps(deps));

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
  // A log driver that takes no size (journald, syslog, a remote one) keeps the logs elsewhere.
  const limits = info.boundedLogs === false ? { ...fitted.limits, logBytes: 0 } : fitted.limits;
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
    beforeRegister: (gateway) => journal.record({ egressGateway: gateway }),
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
      limits,
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
      let afterStart: Promise<void> | undefined;
      try {
        await runtime.startContainer(createdId, { signal: deps.signal, timeoutMs: options.waitTimeoutMs });
        afterStart = egress.afterStart(createdId); // the gateway learns its address meanwhile
        afterStart.catch(() => undefined);
        await journal.close();
        if (mode === 'attached') return await afterStart.then(() => base);
        const details = await waitUntilRunning(
          { runtime, signal: deps.signal },
          createdId,
          name,
          options.waitTimeoutMs,
        );
        await afterStart;
        return { ...base, ...startOutcome(details) };
      } catch (error) {
        await afterStart?.catch(() => undefined); // its write done before the registration goes
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
    ...(deps.warn ? { warn: deps.warn } : {}),
    ...(deps.gatewayFiles ? { gatewayFiles: deps.gatewayFiles } : {}),
    ...(deps.imageBundles ? { imageBundles: deps.imageBundles } : {}),
    ...(deps.gatewayCerts ? { gatewayCerts: deps.gatewayCerts } : {}),
  };
}
