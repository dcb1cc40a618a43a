import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerCp(program: Command, context: CommandContext): void {
  program
    .command('cp')
    .description('Copy files between an agent and this machine (NAME:PATH is a path in the agent)')
    .argument('<source>', 'a path here, or NAME:PATH in an agent')
    .argument('<destination>', 'a path here, or NAME:PATH in an agent')
    .addHelpText(
      'after',
      "\nExamples:\n  $ agentctl cp fixer:/workspace/report.txt .\n  $ agentctl cp fixer:out ./out          # a relative path in an agent starts at /workspace\n  $ agentctl cp ./fixtures fixer:/workspace/fixtures\n  $ agentctl cp ./data/. fixer:/tmp/data   # what is in ./data, not the directory itself\n\nSymbolic links are copied as links and never followed: nothing is written through a link at\nor below the destination here. Files copied in belong to the agent's user.",
    )
    .action(async (source: string, destination: string) => {
      const { copyBetween } = await import('../core/copy/copy-files.js');
      const processUser =
        typeof process.getuid === 'function' ? { uid: process.getuid(), gid: process.getgid!() } : undefined;
      const result = await copyBetween(
        {
          runtime: await context.runtime(),
          cwd: context.cwd,
          platform: context.platform,
          signal: context.signal,
          ...(processUser ? { processUser } : {}),
        },
        source,
        destination,
      );
      const { io } = context;
      if (context.globals.json) {
        io.writeJson({ ok: true, ...result });
        return;
      }
      const what = [
        `${result.files} file(s)`,
        ...(result.directories > 0 ? [`${result.directories} director${result.directories === 1 ? 'y' : 'ies'}`] : []),
        ...(result.links > 0 ? [`${result.links} link(s)`] : []),
      ].join(', ');
      io.info(
        result.direction === 'from-agent'
          ? `copied ${what} from agent ${result.agent} to ${result.destination}`
          : `copied ${what} to ${result.destination} in agent ${result.agent}`,
      );
      if (result.skipped.length > 0)
        io.warn(
          `left out ${result.skipped.length} device(s), pipe(s) or socket(s): ${result.skipped.slice(0, 5).join(', ')}`,
        );
    });
}
