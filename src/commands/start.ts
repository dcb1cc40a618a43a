import { Option, type Command } from 'commander';
import type { CommandContext } from './context.js';
import { UsageError } from '../core/errors.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface StartFlags {
  workspace?: string;
  agent?: string;
  image?: string;
  detach?: boolean;
  readOnly?: boolean;
  env?: string[];
  envFile?: string[];
  secret?: string[];
  ssh?: boolean;
  cpus?: string;
  memory?: string;
  pidsLimit?: string;
  dockerAccess: 'none' | 'socket';
  ociRuntime?: string;
  network?: string;
  pull?: 'missing' | 'always' | 'never';
  useLocalImage?: boolean;
  waitTimeout: string;
  worktree?: boolean;
  branch?: string;
  base?: string;
}

/** Operands before `--` are the agent name; those after it the command (commander mixes them). */
function splitOperands(command: Command, operands: string[]): { name?: string; command?: string[] } {
  const raw = (command.parent as (Command & { rawArgs?: string[] }) | null)?.rawArgs ?? [];
  const dash = raw.indexOf('--');
  const after = dash === -1 ? 0 : raw.length - dash - 1;
  const before = operands.slice(0, operands.length - after);
  if (before.length > 1) {
    throw new UsageError('USAGE_TOO_MANY_ARGUMENTS', `Too many arguments: ${before.slice(1).join(' ')}`, {
      hint: 'Put the command after --, e.g. `agentctl start NAME -- sleep 600`',
    });
  }
  return { name: before[0], command: after > 0 ? operands.slice(operands.length - after) : undefined };
}

export function registerStart(program: Command, context: CommandContext): void {
  program
    .command('start')
    .description('Start an agent in a hardened container on the workspace (attach unless --detach)')
    .argument('[name]', 'agent name (default: derived from the workspace directory)')
    .argument('[command...]', 'after --: the command to run instead of the image default')
    .option('-w, --workspace <dir>', 'directory mounted at /workspace (default: current directory)')
    .option('--agent <profile>', 'agent profile from config (agents.<profile>)')
    .option('--image <ref>', 'run this image instead of the profile or pinned one')
    .option('-d, --detach', 'start in the background and exit once it runs (implied by --json)')
    .option('--read-only', 'mount the workspace read-only')
    .option('-e, --env <KEY=VALUE|KEY>', 'set an environment variable (repeatable; KEY alone takes the host value)', collect)
    .option('--env-file <file>', 'read environment variables from a file (repeatable)', collect)
    .option('--secret <NAME|NAME=@file>', 'pass a secret as a file under /run/secrets (repeatable)', collect)
    .option('--ssh', "forward the host's ssh-agent (SSH_AUTH_SOCK); ~/.ssh is never mounted")
    .option('--cpus <n>', 'CPU limit (default 2)')
    .option('--memory <size>', 'memory limit such as 512m or 4g (default 4g)')
    .option('--pids-limit <n>', 'process limit (default 512)')
    .addOption(new Option('--docker-access <mode>', 'mount the engine socket into the agent').choices(['none', 'socket']).default('none'))
    .option('--oci-runtime <name>', 'OCI runtime such as sysbox-runc or runsc')
    .option('--network <name>', 'engine network to join')
    .addOption(new Option('--pull <policy>', 'when to pull the image').choices(['missing', 'always', 'never']))
    .option('--use-local-image', 'prefer the local development image')
    .option('--wait-timeout <duration>', 'how long to wait until it runs (and is healthy)', '60s')
    .option('--worktree', 'work in an own git worktree on branch agent/NAME (default: config `worktree`)')
    .option('--no-worktree', 'work in the checkout itself (refused if another writing agent uses it)')
    .option('--branch <name>', 'branch of the worktree (default agent/NAME; implies --worktree)')
    .option('--base <ref>', 'commit the new branch starts at (default HEAD; implies --worktree)')
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl start                                 # agent on the current directory, attached
  $ agentctl start fixer -d --workspace ~/src/app  # in the background
  $ agentctl start -d --secret ANTHROPIC_API_KEY --memory 8g
  $ agentctl start probe -d --image busybox:1.36 -- sleep 600
  $ agentctl start fixer -d --worktree --base main      # own worktree on branch agent/fixer`,
    )
    .action(async (_name: unknown, _command: unknown, _options: unknown, command: Command) => {
      const { prepareAgent } = await import('../core/agents/start-agent.js');
      const { parseDuration } = await import('../core/agents/start-options.js');
      const { resolveAgentImage } = await import('../image/resolve-agent-image.js');
      const { createPullProgressDisplay } = await import('../io/pull-progress-display.js');
      const flags = command.opts<StartFlags>();
      const saveEngineInfo = async () => (await import('../runtime/engine-info-cache.js')).saveEngineInfoCache();
      const list = [command.processedArgs[0], ...(command.processedArgs[1] ?? [])].filter((item): item is string => typeof item === 'string');
      const { name, command: agentCommand } = splitOperands(command, list);
      const { io } = context;
      const { config } = await context.config();
      const hostUser = typeof process.getuid === 'function' ? { uid: process.getuid(), gid: process.getgid!() } : undefined;
      const pending = await prepareAgent(
        {
          cwd: context.cwd,
          env: context.env,
          platform: context.platform,
          config,
          signal: context.signal,
          hostUser,
          homedir: context.homedir,
          runtime: () => context.runtime(),
          // Kept for the next start (GET /info is slow on Podman); written only once this start succeeded.
          engineInfo: async (runtime) => (await import('../runtime/engine-info-cache.js')).cachedEngineInfo(runtime, context.env),
          resolveImage: (runtime, request) =>
            resolveAgentImage(
              { runtime, config, env: context.env, homedir: context.homedir, signal: context.signal, progress: createPullProgressDisplay(io), secrets: io.secrets },
              request,
            ),
          registerSecret: (value) => io.secrets.add(value),
          log: (message) => io.debug(message),
        },
        {
          name,
          workspace: flags.workspace,
          agent: flags.agent,
          image: flags.image,
          detach: Boolean(flags.detach),
          readOnly: Boolean(flags.readOnly),
          env: flags.env ?? [],
          envFiles: flags.envFile ?? [],
          secrets: flags.secret ?? [],
          ssh: Boolean(flags.ssh),
          cpus: flags.cpus,
          memory: flags.memory,
          pidsLimit: flags.pidsLimit,
          dockerAccess: flags.dockerAccess,
          ociRuntime: flags.ociRuntime,
          network: flags.network,
          pull: flags.pull,
          useLocalImage: flags.useLocalImage,
          waitTimeoutMs: parseDuration(flags.waitTimeout),
          command: agentCommand,
          worktree: flags.worktree,
          branch: flags.branch,
          base: flags.base,
        },
      );
      if (flags.detach || context.globals.json) {
        const started = await pending.start('detached');
        await saveEngineInfo();
        if (context.globals.json) {
          io.writeJson({ ok: true, agent: started });
          return;
        }
        io.out(started.name);
        io.info(`Agent ${started.name} is ${started.resumed ? 'running again' : 'running'}. Attach with: agentctl attach ${started.name}`);
        return;
      }
      // Without --detach: attach first, then start, so nothing the agent prints first is missed.
      const { runAttach } = await import('./attach.js');
      let started = false;
      try {
        await runAttach(context, {
          name: pending.name,
          start: async () => {
            started = true;
            await pending.start('attached');
            await saveEngineInfo();
          },
        });
      } catch (error) {
        if (!started) await pending.discard();
        throw error;
      }
    });
}
