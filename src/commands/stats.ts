import type { Command } from 'commander';
import type { CommandContext } from './context.js';

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  const { setTimeout: wait } = await import('node:timers/promises');
  await wait(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
}

// Redraws from the top-left corner and clears what the last table left below (as `docker stats`).
const HOME_AND_CLEAR = '\u001b[H\u001b[J';

export function registerStats(program: Command, context: CommandContext): void {
  program
    .command('stats')
    .description('Show the resource use of agents: CPU, memory and PIDs against their limits, network and block I/O')
    .argument('[names...]', 'agents to show (default: every running agent)')
    .option('--no-stream', 'print one reading and exit (the default when stdout is not a terminal)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ agentctl stats                  # live view of every running agent; Ctrl-C ends it\n  $ agentctl stats fixer --no-stream\n  $ agentctl stats --json            # one reading of every running agent\n\nCPU % is the CPU time used between two readings as a share of one CPU (200% is two CPUs busy).\nMemory leaves out the page cache the kernel reclaims first, as `docker stats` does.',
    )
    .action(async (names: string[], flags: { stream: boolean }) => {
      const { watchAgentStats, fetchAgentStats } = await import('../core/agents/agent-stats.js');
      const { statsTable } = await import('./stats-table.js');
      const { io } = context;
      const { cachedEngineInfo } = await import('../runtime/engine-info-cache.js');
      const runtime = await context.runtime();
      // Rootless on cgroup v1 the engine has no figures of one container: said, not shown as if.
      const deps = { runtime, sleep, engineInfo: () => cachedEngineInfo(runtime, context.env) };
      const json = context.globals.json;
      const live = flags.stream && !json && Boolean(io.streams.stdout.isTTY);
      if (!live) {
        const agents = await fetchAgentStats(deps, { names, firstGapMs: 1000, signal: context.signal });
        if (json) io.writeJson({ ok: true, agents });
        else if (agents.length === 0) io.info('No running agents.');
        else for (const line of statsTable(agents, io.style)) io.out(line);
        return;
      }
      try {
        for await (const agents of watchAgentStats(deps, {
          names,
          firstGapMs: 1000,
          intervalMs: 2000,
          signal: context.signal,
        })) {
          const lines = agents.length === 0 ? ['No running agents.'] : statsTable(agents, io.style);
          io.outRaw(`${HOME_AND_CLEAR}${lines.join('\n')}\n`);
        }
      } catch (error) {
        // Ctrl-C ends the live view: that is how it is left, not a failure.
        if (!context.signal.aborted) throw error;
      }
    });
}
