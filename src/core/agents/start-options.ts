import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { AgentProfile, Config } from '../../config/schema.js';
import { canResume } from './session-resume.js';
import { parseTtl } from './agent-ttl.js';
import { getAgentProfile, unknownProfileError } from '../../config/agent-profiles.js';
import { UsageError } from '../../shared/errors.js';
import { checkExecSize } from './exec-size.js';
import { readEnvFile, parseEnvEntry } from './agent-env.js';
import { deriveAgentName, validateAgentName } from './agent-name.js';
import { resolveLimits, type Limits } from './limits.js';
import { resolveSecrets, type Secret } from './secrets.js';
import { checkWorkspaceSafety } from './workspace-safety.js';
import { DURATION_FORMS } from '../../shared/duration.js';
import type { EgressPolicy } from '../../egress/contract.js';
import { resolveEgress, type EgressChoice } from '../egress/egress-policy.js';
import type { AgentSpecInput } from './agent-spec.js';
import { parseGpus } from './gpus.js';
import { parsePublishList } from './published-ports.js';
import { resolveUserMounts } from './user-mounts.js';

export interface StartAgentOptions {
  name?: string;
  workspace?: string;
  agent?: string;
  image?: string;
  detach: boolean;
  readOnly: boolean;
  env: string[];
  envFiles: string[];
  /** `--label KEY=VALUE` (user-labels.ts). */
  labels?: string[];
  secrets: string[];
  ssh: boolean;
  cpus?: string;
  memory?: string;
  pidsLimit?: string;
  dockerAccess: 'none' | 'socket';
  ociRuntime?: string;
  network?: string;
  /** `--egress` (undefined: the profile's, the config's, else open); see src/core/egress. */
  egress?: EgressPolicy;
  /** `--allow` entries. */
  allow?: string[];
  pull?: 'missing' | 'always' | 'never';
  useLocalImage?: boolean;
  /** How long to wait for running (and healthy), in milliseconds. */
  waitTimeoutMs: number;
  /** `start … -- CMD ARGS` */
  command?: string[];
  /** `--worktree` / `--no-worktree` (undefined: config `worktree` decides); see src/core/worktree. */
  worktree?: boolean;
  /** `--branch B`: the worktree's branch (default agent/NAME). */
  branch?: string;
  /** `--base REF`: where a new worktree branch starts (default HEAD). */
  base?: string;
  /** false: no TTY and no stdin, so stdout and stderr stay apart (`agentctl run`); default true. */
  tty?: boolean;
  /** `--allow-unsafe-workspace`: mount a refused (never a protected) workspace; see workspace-safety.ts. */
  allowUnsafeWorkspace?: boolean;
  /** `--continue`: resume the agent's last session with its profile's resumeCommand (session-resume.ts). */
  continue?: boolean;
  /** A one-shot task (`agentctl run`), labelled so (LABELS.task): a backend never runs it again. */
  task?: boolean;
  /** `--ttl DURATION`: the agent's maximum lifetime per start (agent-ttl.ts). */
  ttl?: string;
  /** `--publish [HOST:]PORT[:CONTAINERPORT]` (published-ports.ts). */
  publish?: string[];
  /** `--mount SRC:DST[:ro|rw]` (user-mounts.ts). */
  mounts?: string[];
  /** `--gpus all|N|device=…` (gpus.ts). */
  gpus?: string;
}

/** Everything checked and read on the host before the engine is asked for anything. */
export interface PreparedStart {
  name: string;
  /** The workspace with its symlinks resolved (what is mounted). */
  workspace: string;
  /** Why the workspace would have been refused, when --allow-unsafe-workspace let it through. */
  unsafeWorkspace?: string;
  /** The workspace is refused (root, system or home directory, credentials): thrown for a new agent. */
  workspaceRefused?: UsageError;
  workspaceOwner: { uid: number; gid: number };
  agent?: string;
  command?: string[];
  /** The profile can resume and no command was given: a new agent gets the resume launcher. */
  resumable?: AgentProfile;
  env: [string, string][];
  secrets: Secret[];
  limits: Limits;
  capabilities: string[];
  sshSocket?: string;
  /** The egress policy, its allowlist and the secrets bound to services. */
  egress: EgressChoice;
  /** `--ttl` in seconds. */
  ttlSeconds?: number;
  /** What --publish, --mount and --gpus add to the agent's spec, checked. */
  additions: Required<Pick<AgentSpecInput, 'ports' | 'userMounts'>> & Pick<AgentSpecInput, 'gpus'>;
}

export interface PrepareDeps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  config: Config;
  registerSecret(value: string): void;
  /** The user's home directory; default os.homedir(). */
  homedir?: string;
  /** agentctl's own uid/gid (as root under sudo, the invoking user's home is refused too). */
  hostUser?: { uid: number; gid: number };
  /**
   * Where the engine sees the host's ssh-agent when that is not SSH_AUTH_SOCK (an engine in a VM
   * that forwards it: the runtime layer's `forwardedSshAgentSocket`). Known before the engine is
   * connected; undefined: SSH_AUTH_SOCK, checked to be a socket.
   */
  forwardedSshSocket?: string;
}

async function checkWorkspace(dir: string): Promise<{ uid: number; gid: number }> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new UsageError('WORKSPACE_NOT_FOUND', `The workspace ${dir} does not exist`, {
      hint: 'Pass an existing directory with --workspace DIR (default: the current directory)',
    });
  }
  if (!info.isDirectory()) {
    throw new UsageError('WORKSPACE_NOT_A_DIRECTORY', `The workspace ${dir} is not a directory`, {
      hint: 'Pass a directory with --workspace DIR',
    });
  }
  return { uid: info.uid, gid: info.gid };
}

async function findSshSocket(deps: PrepareDeps): Promise<string> {
  if (deps.forwardedSshSocket !== undefined) return deps.forwardedSshSocket;
  const socket = deps.env.SSH_AUTH_SOCK;
  const ok = socket
    ? await stat(socket).then(
        (info) => info.isSocket(),
        () => false,
      )
    : false;
  if (!socket || !ok) {
    throw new UsageError(
      'SSH_AGENT_MISSING',
      socket ? `SSH_AUTH_SOCK points to ${socket}, which is not a socket` : 'No ssh-agent: SSH_AUTH_SOCK is not set',
      {
        hint: 'Start an agent (`eval "$(ssh-agent)"` and `ssh-add`) or start without --ssh',
      },
    );
  }
  return socket;
}

/** Validates the command line and reads env files and secrets; touches no engine. */
export async function prepareStart(deps: PrepareDeps, options: StartAgentOptions): Promise<PreparedStart> {
  const { config } = deps;
  if (options.agent !== undefined && options.image !== undefined) {
    throw new UsageError('AGENT_AND_IMAGE', 'Give either --agent or --image, not both', {
      hint: 'Use --agent PROFILE for a configured agent, or --image REF for any image',
    });
  }
  const agent = options.agent ?? (options.image === undefined ? config.defaultAgent : undefined);
  const profile = agent === undefined ? undefined : getAgentProfile(config, agent);
  if (agent !== undefined && profile === undefined) throw unknownProfileError(config, agent);
  const ownCommand = Boolean(options.command && options.command.length > 0);
  if (options.continue && ownCommand) {
    throw new UsageError(
      'CONTINUE_WITH_COMMAND',
      "--continue resumes the profile's session: give no command after --",
      {
        hint: 'Drop the command after --, or drop --continue',
      },
    );
  }
  if (options.workspace !== undefined && options.workspace.trim() === '') {
    throw new UsageError('WORKSPACE_EMPTY', 'The workspace given with --workspace is empty', {
      hint: 'Pass a directory with --workspace DIR, or leave the flag out for the current directory',
    });
  }
  const given = resolve(deps.cwd, options.workspace ?? '.');
  const workspaceOwner = await checkWorkspace(given);
  // Kept, not thrown, until the caller knows a new agent is made: resuming a stopped agent mounts
  // what it was created with, whatever the current directory is.
  const safety = await checkWorkspaceSafety(
    { env: deps.env, platform: deps.platform, homedir: deps.homedir ?? homedir(), config, hostUser: deps.hostUser },
    given,
    Boolean(options.allowUnsafeWorkspace),
  ).catch((error: unknown) => {
    if (error instanceof UsageError) return { path: given, refused: error };
    throw error;
  });
  const workspace = safety.path;
  // The name comes from the directory the user named, not from where a symlink leads.
  const name = validateAgentName(options.name ?? deriveAgentName(given));
  const limits = resolveLimits(
    { cpus: options.cpus, memory: options.memory, pidsLimit: options.pidsLimit },
    config.resources,
  );
  if (!Number.isFinite(options.waitTimeoutMs) || options.waitTimeoutMs <= 0) {
    throw new UsageError('INVALID_WAIT_TIMEOUT', 'Invalid --wait-timeout', {
      hint: `Give ${DURATION_FORMS}`,
    });
  }
  const env: [string, string][] = Object.entries(profile?.env ?? {});
  for (const file of options.envFiles)
    env.push(...(await readEnvFile(isAbsolute(file) ? file : resolve(deps.cwd, file), deps.env)));
  for (const entry of options.env) {
    const pair = parseEnvEntry(entry, deps.env);
    if (pair) env.push(pair);
  }
  const offered = [...(config.secrets ?? []), ...(profile?.secrets ?? [])];
  const secrets = await resolveSecrets(options.secrets, offered, deps.env, deps.registerSecret);
  const secretNames = new Set(secrets.map((secret) => secret.name));
  const leaked = env.find(([key]) => secretNames.has(key));
  if (leaked) {
    throw new UsageError('SECRET_AS_ENV', `${leaked[0]} is a secret and cannot also be passed with --env`, {
      hint: `Drop --env ${leaked[0]}: the agent reads it from /run/secrets/${leaked[0]} (${leaked[0]}_FILE)`,
    });
  }
  checkExecSize(ownCommand ? options.command : profile?.command, env);
  const ports = parsePublishList(options.publish ?? []);
  const gpus = options.gpus === undefined ? undefined : parseGpus(options.gpus);
  const userMounts = await resolveUserMounts(
    {
      cwd: deps.cwd,
      env: deps.env,
      platform: deps.platform,
      homedir: deps.homedir ?? homedir(),
      config,
      hostUser: deps.hostUser,
    },
    options.mounts ?? [],
  );
  const egress = resolveEgress({
    policy: options.egress,
    allow: options.allow ?? [],
    profile: profile?.egress,
    profileName: agent,
    credentials: profile?.credentials,
    config,
    network: options.network,
    dockerAccess: options.dockerAccess,
    secrets: secrets.map((secret) => secret.name),
  });
  return {
    name,
    workspace,
    egress,
    additions: { ports, userMounts, ...(gpus ? { gpus } : {}) },
    ...('overridden' in safety && safety.overridden ? { unsafeWorkspace: safety.overridden } : {}),
    ...('refused' in safety ? { workspaceRefused: safety.refused } : {}),
    workspaceOwner,
    agent,
    command: ownCommand ? options.command : profile?.command,
    ...(!ownCommand && canResume(profile) ? { resumable: profile } : {}),
    env,
    secrets,
    limits,
    capabilities: profile?.capabilities ?? [],
    ...(options.ssh ? { sshSocket: await findSshSocket(deps) } : {}),
    ...(options.ttl !== undefined ? { ttlSeconds: parseTtl(options.ttl) } : {}),
  };
}
