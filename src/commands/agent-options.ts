import { Option, type Command } from 'commander';
import { UsageError } from '../shared/errors.js';
import type { StartAgentOptions } from '../core/agents/start-options.js';
import { parseDuration } from '../shared/duration.js';

/**
 * The options `start` and `run` share: ONE definition (`addAgentOptions`), so that `run` can never
 * lack a flag `start` has (agent-options.test.ts fails when they diverge). Each command adds only
 * its own few before or after. Loaded with the command list: only commander and types here.
 */
export type AgentFlags = Pick<
  StartAgentOptions,
  | 'workspace'
  | 'agent'
  | 'image'
  | 'cpus'
  | 'memory'
  | 'pidsLimit'
  | 'network'
  | 'pull'
  | 'useLocalImage'
  | 'worktree'
  | 'branch'
  | 'base'
  | 'egress'
  | 'dockerAccess'
  | 'ociRuntime'
> & {
  allow?: string[];
  env?: string[];
  envFile?: string[];
  secret?: string[];
  label?: string[];
  allowUnsafeWorkspace?: boolean;
  readOnly?: boolean;
  ssh?: boolean;
  waitTimeout: string;
  publish?: string[];
  mount?: string[];
  gpus?: string;
};

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Every option `start` and `run` share, in the order `--help` lists them. */
export function addAgentOptions(command: Command): Command {
  return command
    .option('-w, --workspace <dir>', 'directory mounted at /workspace (default: current directory)')
    .option(
      '--allow-unsafe-workspace',
      'mount a workspace that is refused (/, a system or home directory), with a warning; never one holding credentials',
    )
    .option('--read-only', 'mount the workspace read-only')
    .option(
      '--mount <SRC:DST[:ro|rw]>',
      'mount another host path into the agent, read-only unless :rw (repeatable; never credentials, agentctl data or a git dir)',
      collect,
    )
    .option(
      '--agent <profile>',
      'agent profile: claude (default), codex, gemini, opencode, or one of config agents.<profile>',
    )
    .option('--image <ref>', 'run this image instead of the profile or pinned one')
    .option(
      '-e, --env <KEY=VALUE|KEY>',
      'set an environment variable (repeatable; KEY alone takes the host value)',
      collect,
    )
    .option('--env-file <file>', 'read environment variables from a file (repeatable)', collect)
    .option('--secret <NAME|NAME=@file>', 'pass a secret as a file under /run/secrets (repeatable)', collect)
    .option(
      '--label <KEY=VALUE>',
      'label the agent (repeatable; shown by inspect, selected by ls --filter label=)',
      collect,
    )
    .option('--ssh', "forward the host's ssh-agent (SSH_AUTH_SOCK); ~/.ssh is never mounted")
    .option('--cpus <n>', 'CPU limit (default 2)')
    .option('--memory <size>', 'memory limit such as 512m or 4g (default 4g)')
    .option('--pids-limit <n>', 'process limit (default 512)')
    .addOption(
      new Option('--docker-access <mode>', 'mount the engine socket into the agent')
        .choices(['none', 'socket'])
        .default('none'),
    )
    .option('--oci-runtime <name>', 'OCI runtime such as sysbox-runc or runsc')
    .option('--gpus <all|N|device=ID,…>', 'hand GPUs to the agent (Docker: NVIDIA runtime; Podman: CDI nvidia.com/gpu)')
    .option('--network <name>', 'engine network to join')
    .option(
      '-p, --publish <[HOST:]PORT[:CONTAINERPORT]>',
      'publish a port of the agent on 127.0.0.1 (repeatable; HOST 0.0.0.0 for every interface, announced as a loosening)',
      collect,
    )
    .addOption(
      new Option(
        '--egress <policy>',
        'where the agent may connect: open, allowlist (only --allow hosts, through the egress gateway), learn (any, recorded), none (default: config egress.policy, else open)',
      ).choices(['open', 'allowlist', 'learn', 'none']),
    )
    .option(
      '--allow <host[:port]>',
      'a host an allowlist agent may reach, *.example.com for subdomains (repeatable)',
      collect,
    )
    .addOption(new Option('--pull <policy>', 'when to pull the image').choices(['missing', 'always', 'never']))
    .option('--use-local-image', 'prefer the local development image')
    .option('--wait-timeout <duration>', 'how long to wait until it runs (and is healthy)', '60s')
    .option('--worktree', 'work in an own git worktree on branch agent/NAME (default: config `worktree`)')
    .option('--no-worktree', 'work in the checkout itself (refused if another writing agent uses it)')
    .option('--branch <name>', 'branch of the worktree (default agent/NAME; implies --worktree)')
    .option('--base <ref>', 'commit the new branch starts at (default HEAD; implies --worktree)');
}

/** The shared flags as start options (without --agent: `run` takes the agent from its task plan). */
export function sharedStartOptions(flags: AgentFlags) {
  return {
    workspace: flags.workspace,
    allowUnsafeWorkspace: Boolean(flags.allowUnsafeWorkspace),
    readOnly: Boolean(flags.readOnly),
    image: flags.image,
    env: flags.env ?? [],
    envFiles: flags.envFile ?? [],
    secrets: flags.secret ?? [],
    labels: flags.label ?? [],
    ssh: Boolean(flags.ssh),
    cpus: flags.cpus,
    memory: flags.memory,
    pidsLimit: flags.pidsLimit,
    dockerAccess: flags.dockerAccess ?? 'none',
    ociRuntime: flags.ociRuntime,
    network: flags.network,
    egress: flags.egress,
    allow: flags.allow ?? [],
    pull: flags.pull,
    useLocalImage: flags.useLocalImage,
    waitTimeoutMs: parseDuration(flags.waitTimeout),
    publish: flags.publish ?? [],
    mounts: flags.mount ?? [],
    gpus: flags.gpus,
    worktree: flags.worktree,
    branch: flags.branch,
    base: flags.base,
  } satisfies Partial<StartAgentOptions>;
}

/**
 * Operands before `--` are the agent name; those after it the command (commander mixes them).
 * `example` is the usage shown in the hint when there is more than one name.
 */
export function splitOperands(command: Command, example: string): { name?: string; args?: string[] } {
  const operands = [command.processedArgs[0], ...(command.processedArgs[1] ?? [])].filter(
    (item): item is string => typeof item === 'string',
  );
  const raw = (command.parent as (Command & { rawArgs?: string[] }) | null)?.rawArgs ?? [];
  const dash = raw.indexOf('--');
  const after = dash === -1 ? 0 : raw.length - dash - 1;
  const before = operands.slice(0, operands.length - after);
  if (before.length > 1) {
    throw new UsageError('USAGE_TOO_MANY_ARGUMENTS', `Too many arguments: ${before.slice(1).join(' ')}`, {
      hint: `Put the command after --, e.g. \`${example}\``,
    });
  }
  return { name: before[0], args: after > 0 ? operands.slice(operands.length - after) : undefined };
}
