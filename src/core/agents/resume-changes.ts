import type { Config } from '../../config/schema.js';
import { ConflictError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import type { ContainerDetails } from '../../runtime/container-operations.js';
import { formatMemory } from './limits.js';
import { findLoosenings } from './loosenings.js';
import { getRecordedEgress } from '../egress/agent-egress.js';
import { getRecordedTtl } from './agent-ttl.js';
import type { PreparedStart, StartAgentOptions } from './start-options.js';
import type { PublishedPort } from '../../runtime/agent-spec.js';
import { formatPublishedPort } from './published-ports.js';

/** A setting given to `start NAME` that the existing (stopped) agent NAME was not created with. */
export interface RequestedChange {
  flag: string;
  /** What the agent has; omitted where it could hold a secret (command, env values). */
  was?: string;
  asked?: string;
}

/**
 * The settings given on this command line that differ from what the existing agent was created
 * with. Only what the user gave is compared (a flag left out keeps the agent's value), and only
 * where the engine tells what the agent has. Config defaults and profiles are not compared: a
 * start without flags resumes the agent as it is.
 */
export function findRequestedChanges(
  existing: ContainerDetails,
  options: StartAgentOptions,
  prepared: PreparedStart,
  config: Config,
): RequestedChange[] {
  const changes: RequestedChange[] = [];
  const facts = existing.spec;
  const labels = existing.labels;
  const image = labels[LABELS.image] ?? existing.image;
  if (options.image !== undefined && options.image !== image && options.image !== existing.image) {
    changes.push({ flag: '--image', was: image, asked: options.image });
  }
  // A worktree agent's workspace label is its worktree, not the checkout given with --workspace.
  if (
    options.workspace !== undefined &&
    !labels[LABELS.worktree] &&
    labels[LABELS.workspace] !== undefined &&
    prepared.workspace !== labels[LABELS.workspace]
  ) {
    changes.push({ flag: '--workspace', was: labels[LABELS.workspace], asked: prepared.workspace });
  }
  const { nanoCpus, memory, pidsLimit } = existing.hostConfig;
  if (options.cpus !== undefined && nanoCpus > 0 && Math.round(prepared.limits.cpus * 1e9) !== nanoCpus) {
    changes.push({ flag: '--cpus', was: String(nanoCpus / 1e9), asked: String(prepared.limits.cpus) });
  }
  if (options.memory !== undefined && memory > 0 && prepared.limits.memory !== memory) {
    changes.push({ flag: '--memory', was: formatMemory(memory), asked: formatMemory(prepared.limits.memory) });
  }
  if (options.pidsLimit !== undefined && pidsLimit > 0 && prepared.limits.pidsLimit !== pidsLimit) {
    changes.push({ flag: '--pids-limit', was: String(pidsLimit), asked: String(prepared.limits.pidsLimit) });
  }
  if (
    options.command &&
    options.command.length > 0 &&
    JSON.stringify(facts.command ?? []) !== JSON.stringify(options.command)
  ) {
    changes.push({ flag: 'the command after --' });
  }
  // --env and --env-file entries (after the profile's own env, which the agent got when created).
  const profileEnv = Object.keys(
    prepared.agent === undefined ? {} : (config.agents?.[prepared.agent]?.env ?? {}),
  ).length;
  const env = new Set(existing.env);
  const missing = prepared.env.slice(profileEnv).filter(([key, value]) => !env.has(`${key}=${value}`));
  if (missing.length > 0) changes.push({ flag: '--env', asked: [...new Set(missing.map(([key]) => key))].join(', ') });
  const newSecrets = prepared.secrets.filter(
    (secret) => !existing.env.some((entry) => entry.startsWith(`${secret.name}_FILE=`)),
  );
  if (newSecrets.length > 0)
    changes.push({ flag: '--secret', asked: newSecrets.map((secret) => secret.name).join(', ') });
  if (options.readOnly && labels[LABELS.readOnly] !== 'true') changes.push({ flag: '--read-only', was: 'read-write' });
  if (options.tty === false && existing.tty) changes.push({ flag: '--no-tty', was: 'a TTY' });
  const loosened = findLoosenings({ network: facts.network, mounts: facts.mounts }).map((loosening) => loosening.kind);
  if (options.ssh && !loosened.includes('ssh-agent')) changes.push({ flag: '--ssh', was: 'no ssh-agent' });
  if (options.dockerAccess === 'socket' && !loosened.includes('engine-socket'))
    changes.push({ flag: '--docker-access socket', was: 'none' });
  if (options.network !== undefined && facts.network !== options.network) {
    changes.push({ flag: '--network', was: facts.network || 'default', asked: options.network });
  }
  const egress = getRecordedEgress(labels);
  if (options.egress !== undefined && options.egress !== egress)
    changes.push({ flag: '--egress', was: egress, asked: options.egress });
  const allowed = new Set((labels[LABELS.egressAllow] ?? '').split(',').filter(Boolean));
  const newAllow = prepared.egress.allow.filter((entry) => !allowed.has(entry));
  if ((options.allow ?? []).length > 0 && newAllow.length > 0)
    changes.push({ flag: '--allow', was: [...allowed].join(',') || 'none', asked: newAllow.join(',') });
  // A host port 0 asked for is whichever the engine picked.
  const samePort = (asked: PublishedPort, has: PublishedPort) =>
    asked.hostIp === has.hostIp &&
    (asked.hostPort === 0 || asked.hostPort === has.hostPort) &&
    asked.containerPort === has.containerPort &&
    asked.protocol === has.protocol;
  const newPorts = prepared.additions.ports.filter((port) => !(facts.ports ?? []).some((has) => samePort(port, has)));
  if (newPorts.length > 0)
    changes.push({
      flag: '--publish',
      was: (facts.ports ?? []).map(formatPublishedPort).join(',') || 'none',
      asked: newPorts.map(formatPublishedPort).join(','),
    });
  const newMounts = prepared.additions.userMounts.filter(
    (mount) =>
      mount.kind === 'host' &&
      !facts.mounts.some(
        (has) => has.source === mount.source && has.target === mount.target && has.readOnly === mount.readOnly,
      ),
  );
  if (newMounts.length > 0)
    changes.push({
      flag: '--mount',
      asked: newMounts
        .map((mount) =>
          mount.kind === 'host' ? `${mount.source}:${mount.target}:${mount.readOnly ? 'ro' : 'rw'}` : '',
        )
        .join(','),
    });
  if (prepared.additions.gpus && !facts.gpus) changes.push({ flag: '--gpus', was: 'no GPUs', asked: options.gpus });
  const hasWorktree = Boolean(labels[LABELS.worktree]);
  if (options.worktree === true && !hasWorktree) changes.push({ flag: '--worktree', was: 'no worktree' });
  if (options.worktree === false && hasWorktree)
    changes.push({ flag: '--no-worktree', was: `worktree ${labels[LABELS.worktree]}` });
  if (options.branch !== undefined && options.branch !== labels[LABELS.branch])
    changes.push({ flag: '--branch', was: labels[LABELS.branch] ?? 'none', asked: options.branch });
  const ttl = getRecordedTtl(labels);
  if (prepared.ttlSeconds !== undefined && prepared.ttlSeconds !== ttl)
    changes.push({ flag: '--ttl', was: ttl === undefined ? 'none' : `${ttl}s`, asked: `${prepared.ttlSeconds}s` });
  return changes;
}

/** AGENT_SETTINGS_DIFFER (exit 8): `start NAME` never drops a flag silently on an existing agent. */
export function settingsDifferError(name: string, state: string, changes: RequestedChange[]): ConflictError {
  const listed = changes.map(
    (change) =>
      change.flag +
      (change.was !== undefined || change.asked !== undefined
        ? ` (${[change.was === undefined ? '' : `has ${change.was}`, change.asked === undefined ? '' : `asked ${change.asked}`].filter(Boolean).join(', ')})`
        : ''),
  );
  return new ConflictError(
    'AGENT_SETTINGS_DIFFER',
    `Agent ${name} exists (${state}) with other settings than asked: ${listed.join('; ')}`,
    {
      hint: `Start it as it is with \`agentctl start ${name}\`, or re-create it: \`agentctl rm ${name} --keep-branch\`, then start it with the new settings (its home volume and branch are kept)`,
      details: { agent: name, state, changes },
    },
  );
}
