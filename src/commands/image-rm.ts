import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerImageRm(image: Command, context: CommandContext): void {
  image
    .command('rm <REF...>')
    .description("Remove agentctl's local images")
    .option('--force', 'remove even when containers use the image')
    .addHelpText('after', '\nExamples:\n  $ agentctl image rm ghcr.io/agentctl/agent:0.1.0')
    .action(async (refs: string[], options: { force?: boolean }) => {
      const [{ removeAgentImages }, { agentImageScope }] = await Promise.all([
        import('../image/remove-agent-images.js'),
        import('../image/agent-image-scope.js'),
      ]);
      const { io } = context;
      const scope = agentImageScope((await context.config()).config);
      const removed = await removeAgentImages(await context.runtime(), scope, {
        references: refs,
        force: options.force ?? false,
        ...(context.globals.json ? {} : { onRemoved: (reference: string) => io.out(reference) }),
      });
      if (context.globals.json) io.writeJson({ ok: true, removed });
    });
}
