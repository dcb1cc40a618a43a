import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { addAgentOptions, sharedStartOptions, splitOperands, type AgentFlags } from './agent-options.js';
import type { StartAgentOptions } from '../core/agents/start-options.js';

/** start's own flags beside the shared ones (agent-options.ts); `run` has none of these. */
export type StartFlags = AgentFlags & {
  detach?: boolean;
  continue?: boolean;
  tty?: boolean;
  count?: string;
  ttl?: string;
};

export function registerStart(program: Command, context: CommandContext): void {
  const start = program
    .command('start')
    .description('Start an agent in a hardened container on the workspace (attach unless --detach)')
    .argument('[name]', 'agent name (default: derived from the workspace directory)')
    .argument('[command...]', 'after --: the command to run instead of the image default')
    .option('-d, --detach', 'start in the background and exit once it runs (implied by --json)')
    .option('--no-tty', 'no TTY and no stdin: logs keep stdout and stderr apart (attach shows output only)')
    .option('--continue', "resume the agent's last session (its profile's resumeCommand, e.g. claude --continue)")
    .option('--count <n>', 'start N agents NAME-1 … NAME-N at once, detached (at most 100)')
    .option('--ttl <duration>', 'stop the agent this long after each start, also without agentctl (Kubernetes)');
  addAgentOptions(start);
  start
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl start                                 # agent on the current directory, attached
  $ agentctl start fixer -d --workspace ~/src/app  # in the background
  $ agentctl start -d --secret ANTHROPIC_API_KEY --memory 8g
  $ agentctl start probe -d --image busybox:1.36 -- sleep 600
  $ agentctl start fixer -d --worktree --base main      # own worktree on branch agent/fixer
  $ agentctl start fixer --continue                     # resume its last session (claude --continue)
  $ agentctl start review --count 5 --worktree          # review-1 … review-5, each on its own branch`,
    )
    .action(async (_name: unknown, _command: unknown, _options: unknown, command: Command) => {
      const { prepareAgent } = await import('../core/agents/start-agent.js');
      const { agentStartDeps } = await import('./agent-start-deps.js');
      const flags = command.opts<StartFlags>();
      const saveEngineInfo = async () => (await import('../runtime/engine-info-cache.js')).saveEngineInfoCache();
      const { name, args: agentCommand } = splitOperands(command, 'agentctl start NAME -- sleep 600');
      const { io } = context;
      if (flags.count !== undefined) {
        await startCounted(context, flags, name, agentCommand);
        return;
      }
      const { config } = await context.config();
      const pending = await prepareAgent(agentStartDeps(context, config), {
        ...startOptions(flags, agentCommand),
        name,
      });
      if (flags.detach || context.globals.json) {
        const started = await pending.start('detached');
        await saveEngineInfo();
        if (started.state === 'exited') {
          io.warn(
            `Agent ${started.name} ran and has already exited (exit code ${started.exitCode ?? 'unknown'}); its output: \`agentctl logs ${started.name}\`, remove it with \`agentctl rm ${started.name}\``,
          );
        }
        if (context.globals.json) {
          io.writeJson({ ok: true, agent: started });
          return;
        }
        io.out(started.name);
        if (started.state !== 'exited')
          io.info(
            `Agent ${started.name} is ${started.resumed ? 'running again' : 'running'}. Attach with: agentctl attach ${started.name}`,
          );
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

/** The start options of these flags, for any agent name. */
export function startOptions(flags: StartFlags, command: string[] | undefined): Omit<StartAgentOptions, 'name'> {
  return {
    ...sharedStartOptions(flags),
    agent: flags.agent,
    detach: Boolean(flags.detach),
    // Commander gives true unless --no-tty: only an explicit false is compared with an existing agent.
    tty: flags.tty === false ? false : undefined,
    continue: Boolean(flags.continue),
    command,
    ...(flags.ttl !== undefined ? { ttl: flags.ttl } : {}),
  };
}

/**
 * `start [NAME] --count N`: agents NAME-1 … NAME-N, detached (several agents cannot share one
 * terminal). Each started agent's name on stdout; each failure on stderr; the exit code of the
 * first failure when any failed (the others are still running). With --json one document:
 * `{ ok, agents, failed }`.
 */
async function startCounted(
  context: CommandContext,
  flags: StartFlags,
  name: string | undefined,
  command: string[] | undefined,
): Promise<void> {
  const { countedNames, parseCount, startAgents } = await import('../core/agents/start-many.js');
  const { deriveAgentName, validateAgentName } = await import('../core/agents/agent-name.js');
  const { resolve } = await import('node:path');
  const count = parseCount(flags.count!);
  const base = validateAgentName(name ?? deriveAgentName(resolve(context.cwd, flags.workspace ?? '.')));
  const names = countedNames(base, count);
  const { agentStartDeps } = await import('./agent-start-deps.js');
  const { io } = context;
  const { config } = await context.config();
  const result = await startAgents(
    agentStartDeps(context, config),
    { ...startOptions(flags, command), detach: true },
    names,
  );
  await (await import('../runtime/engine-info-cache.js')).saveEngineInfoCache();
  const first = result.failed[0]?.error;
  if (context.globals.json) {
    io.writeJson({
      ok: !first,
      agents: result.started,
      failed: result.failed.map(({ name: agent, error }) => ({
        name: agent,
        error: { code: error.code, message: error.message, hint: error.hint },
      })),
    });
  } else {
    for (const agent of result.started) io.out(agent.name);
    for (const { name: agent, error } of result.failed) io.warn(`agent ${agent} did not start: ${error.message}`);
    io.info(
      `${result.started.length} of ${names.length} agents running. Attach with: agentctl attach ${result.started[0]?.name ?? 'NAME'}`,
    );
  }
  if (first) {
    const [{ PassThroughExit }, { exitCodeFor }] = await Promise.all([
      import('./pass-through-exit.js'),
      import('../shared/exit-codes.js'),
    ]);
    if (context.globals.json) throw new PassThroughExit(exitCodeFor(first.kind));
    throw first;
  }
}
