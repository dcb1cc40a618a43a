import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerRestart(program: Command, context: CommandContext): void {
  program
    .command('restart')
    .description('Stop and start agents again (their home volume and configuration are kept)')
    .argument('[names...]', 'agents to restart')
    .option('-a, --all', 'restart every agent')
    .option('-t, --timeout <duration>', 'how long to wait before killing, e.g. 30s or 2m (0 kills at once)', '10')
    .option('--wait-timeout <duration>', 'how long to wait until each runs again', '60s')
    .addHelpText('after', '\nExamples:\n  $ agentctl restart fixer')
    .action(async (names: string[], flags: { all?: boolean; timeout?: string; waitTimeout: string }) => {
      const { restartAgents, parseStopTimeout, checkSelection } = await import('../core/agents/stop-agent.js');
      const { parseTimeoutFlag } = await import('../shared/duration.js');
      const waitTimeoutMs = parseTimeoutFlag('--wait-timeout', flags.waitTimeout, 'INVALID_WAIT_TIMEOUT');
      const selection = {
        names,
        all: Boolean(flags.all),
        timeoutSeconds: parseStopTimeout(flags.timeout),
        waitTimeoutMs,
      };
      checkSelection(selection, 'restart');
      const runtime = await context.runtime();
      const { config } = await context.config();
      const [{ resumeAgentEgress }, { agentNameFromDetails }, { LABELS }] = await Promise.all([
        import('../core/egress/agent-egress.js'),
        import('../core/agents/agent-lookup.js'),
        import('../shared/labels.js'),
      ]);
      const egressDeps = {
        env: context.env,
        config,
        log: (message: string) => context.io.debug(message),
        warn: (message: string) => context.io.warnAlways(message),
        gatewayFiles: async () => (await import('./egress-gateway-files.js')).egressGatewayFiles(context.env),
      };
      const restarted = await restartAgents(
        {
          runtime,
          signal: context.signal,
          // An agent of a gateway policy: its gateway running with its registration, as for `start`.
          prepareStart: (details) =>
            resumeAgentEgress(egressDeps, runtime, {
              name: agentNameFromDetails(details),
              labels: details.labels,
              agentImage: details.labels[LABELS.image] ?? details.image,
            }),
        },
        selection,
      );
      if (context.globals.json) {
        context.io.writeJson({ ok: true, restarted: restarted.map((agent) => agent.name), agents: restarted });
        return;
      }
      for (const agent of restarted) {
        context.io.out(agent.name);
        if (agent.state === 'exited')
          context.io.warn(
            `Agent ${agent.name} ran and has already exited (exit code ${agent.exitCode ?? 'unknown'}); its output: \`agentctl logs ${agent.name}\``,
          );
      }
    });
}
