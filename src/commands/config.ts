import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { describeEffectiveConfig } from '../config/describe-config.js';

export function registerConfig(program: Command, context: CommandContext): void {
  const config = program.command('config').description('Inspect agentctl configuration');
  config
    .command('show')
    .description('Print the effective configuration and where each value came from')
    .addHelpText('after', '\nExamples:\n  $ agentctl config show\n  $ agentctl config show --json')
    .action(async () => {
      const loaded = await context.config();
      const described = describeEffectiveConfig(loaded);
      if (context.globals.json) {
        context.io.writeJson({ ok: true, ...described });
        return;
      }
      const { io } = context;
      io.out(`user config:    ${described.files.user ?? '(none)'}`);
      const trust = described.projectTrust === 'trusted' ? ' (trusted with `agentctl trust`)' : '';
      io.out(`project config: ${described.files.project ?? '(none)'}${trust}`);
      const { renderTable } = await import('../io/table.js');
      const rows = described.values.map((value) => [
        value.key,
        JSON.stringify(value.value),
        io.style.dim(`(${value.source})`),
      ]);
      for (const line of renderTable(rows, [{ minWidth: 3 }])) io.out(line);
    });
}
