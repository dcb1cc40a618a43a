import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { fetchVersionReport } from '../core/version-report.js';

export function registerVersion(program: Command, context: CommandContext): void {
  program
    .command('version')
    .description('Show the CLI version, the pinned agent image and the engine')
    .addHelpText('after', '\nExamples:\n  $ agentctl version\n  $ agentctl version --json')
    .action(async () => {
      const report = await fetchVersionReport({
        nodeVersion: process.version,
        fetchEngine: async () => {
          const { runtime, detected } = await context.connect();
          return {
            version: runtime.version,
            endpoint: runtime.endpoint.url,
            source: detected.strategy,
            inspectImage: (reference: string) => runtime.inspectImage(reference),
          };
        },
      });
      const { io } = context;
      if (context.globals.json) {
        io.writeJson({ ok: true, ...report });
        return;
      }
      io.out(`agentctl  ${report.cli.version} (node ${report.cli.node})`);
      const presence = report.image.local === null ? '' : report.image.local.present ? ' (present locally)' : ' (not present locally)';
      io.out(`image     ${report.image.reference}${presence}`);
      if (report.engine.reachable) {
        io.out(`engine    ${report.engine.kind} ${report.engine.version} (API ${report.engine.apiVersion}) at ${report.engine.endpoint}`);
      } else {
        io.out(`engine    not reachable: ${report.engine.error.message}`);
        io.info(`hint: ${report.engine.error.hint}`);
      }
    });
}
