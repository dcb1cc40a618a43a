import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerImageLs(image: Command, context: CommandContext): void {
  image
    .command('ls')
    .description("List agentctl's local images (version, size, created)")
    .addHelpText('after', '\nExamples:\n  $ agentctl image ls\n  $ agentctl image ls --json')
    .action(async () => {
      const [{ listAgentImages }, { agentImageScope }] = await Promise.all([
        import('../image/list-agent-images.js'),
        import('../image/agent-image-scope.js'),
      ]);
      const scope = agentImageScope((await context.config()).config);
      const images = await listAgentImages(await context.runtime(), scope.repository, scope.profileImages);
      const { io } = context;
      if (context.globals.json) return io.writeJson({ ok: true, images });
      if (images.length === 0)
        return io.info(
          'No agentctl images. Pull one with `agentctl image pull` or build one with `agentctl image build`.',
        );
      const { imageTable } = await import('./image-ls-table.js');
      for (const line of imageTable(images)) io.out(line);
    });
}
