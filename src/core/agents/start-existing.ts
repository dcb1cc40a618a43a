import type { ContainerDetails } from '../../runtime/container-operations.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import { ConflictError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import { resumeAgentEgress, type AgentEgressDeps } from '../egress/agent-egress.js';
import { containerName, homeVolumeName } from './agent-name.js';
import { getRecordedImage } from './recorded-image.js';
import { findRequestedChanges, settingsDifferError } from './resume-changes.js';
import { requestResume } from './session-resume.js';
import { announceLoosenings } from './start-checks.js';
import type { PendingAgent, StartAgentDeps } from './start-agent-types.js';
import type { PreparedStart, StartAgentOptions } from './start-options.js';
import { startOutcome, waitUntilRunning } from './wait-running.js';

/**
 * An agent whose container exists: started again as it is, when it is agentctl's, stopped, and
 * asked for with the settings it was made with (a flag that would change it is refused, never
 * dropped silently: resume-changes.ts).
 */
export async function prepareExistingAgent(
  deps: StartAgentDeps,
  options: StartAgentOptions,
  prepared: PreparedStart,
  runtime: ContainerRuntime,
  existing: ContainerDetails,
  egressDeps: AgentEgressDeps,
): Promise<PendingAgent> {
  const name = prepared.name;
  const container = containerName(name);
  const volume = homeVolumeName(name);
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
  // An engine that keeps no limits (rootless on cgroup v1) recorded none to compare with: the
  // limit flags are not dropped silently, they are said to do nothing here, as at the agent's create.
  const ignored = existing.labels[LABELS.limitsIgnored];
  if (ignored && [options.cpus, options.memory, options.pidsLimit].some((value) => value !== undefined))
    (deps.warn ?? deps.log)(`agent ${name} runs without resource limits: ${ignored}`);
  if (options.continue) await requestResume(runtime, { name, id: existing.id, labels: existing.labels });
  // An agent of a gateway policy needs its gateway running, with its registration.
  const egress = await resumeAgentEgress(egressDeps, runtime, {
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
      await egress.afterStart(existing.id);
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
