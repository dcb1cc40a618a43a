import type { Command } from 'commander';
import type { CommandContext } from './context.js';

function formatSize(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(0)} MB`;
}

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
      const width = Math.max(9, ...images.map((row) => row.reference.length));
      io.out(
        `${'REFERENCE'.padEnd(width)}  ${'VERSION'.padEnd(12)}  ${'STACK'.padEnd(8)}  ${'SIZE'.padStart(8)}  CREATED               ID`,
      );
      for (const row of images) {
        io.out(
          `${row.reference.padEnd(width)}  ${row.version.padEnd(12)}  ${(row.stack ?? '-').padEnd(8)}  ${formatSize(row.size).padStart(8)}  ${row.created.slice(0, 19).replace('T', ' ')}   ${row.id.replace(/^sha256:/, '').slice(0, 12)}`,
        );
      }
    });
}
