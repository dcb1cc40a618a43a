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
      const { resolveImageDeps } = await import('./resolve-image-deps.js');
      const { config } = await context.config();
      const result = await resolveAgentImage(resolveImageDeps(context, config, await context.runtime()), {
        ...(ref === undefined ? {} : { image: ref }),
        ...(options.agent === undefined ? {} : { agent: options.agent }),
        pull: 'always',
        useLocal: false,
      });
      if (context.globals.json) return context.io.writeJson({ ok: true, image: result });
      context.io.out(`${result.reference}${result.digest ? `@${result.digest}` : ''}`);
    });
}
