import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerImagePull(image: Command, context: CommandContext): void {
  image
    .command('pull [REF]')
    .description('Pull an agent image (default: the pinned or configured image) with registry credentials')
    .option('--agent <name>', 'pull the image of this agent profile')
    .addHelpText(
      'after',
      '\nExamples:\n  $ agentctl image pull\n  $ agentctl image pull ghcr.io/agentctl/agent:1.2.3 --json',
    )
    .action(async (ref: string | undefined, options: { agent?: string }) => {
      const { resolveAgentImage } = await import('../image/resolve-agent-image.js');
      const { createPullProgressDisplay } = await import('../io/pull-progress-display.js');
      const { config } = await context.config();
      const result = await resolveAgentImage(
        {
          runtime: await context.runtime(),
          config,
          env: context.env,
          homedir: context.homedir,
          signal: context.signal,
          progress: createPullProgressDisplay(context.io),
          secrets: context.io.secrets,
        },
        {
          ...(ref === undefined ? {} : { image: ref }),
          ...(options.agent === undefined ? {} : { agent: options.agent }),
          pull: 'always',
          useLocal: false,
        },
      );
      if (context.globals.json) return context.io.writeJson({ ok: true, image: result });
      context.io.out(`${result.reference}${result.digest ? `@${result.digest}` : ''}`);
    });
}
