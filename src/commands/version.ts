import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { fetchVersionReport } from '../core/version-report.js';

export function registerVersion(program: Command, context: CommandContext): void {
  program
    .command('version')
    .description('Show the CLI version, the agent image (configured or pinned) and the engine')
    .addHelpText('after', '\nExamples:\n  $ agentctl version\n  $ agentctl version --json')
    .action(async () => {
      // An unreadable config is reported under `engine` (connecting needs it too); the image is then the pinned one.
      const loaded = await context.config().catch(() => undefined);
      const image = loaded?.config.image;
      const report = await fetchVersionReport({
        nodeVersion: process.version,
        configuredImage: {
          repository: image?.repository,
          tag: image?.tag,
          sources: { repository: loaded?.sources.get('image.repository'), tag: loaded?.sources.get('image.tag') },
        },
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
      const presence =
        report.image.local === null ? '' : report.image.local.present ? ' (present locally)' : ' (not present locally)';
      const configured =
        report.image.reference === report.image.pinned ? '' : ` (configured; this release pins ${report.image.pinned})`;
      io.out(`image     ${report.image.reference}${presence}${configured}`);
      io.out(
        `digest    ${report.image.pinnedDigest === null ? 'not pinned (development build)' : `${report.image.pinnedDigest} (pinned by this release)`}`,
      );
      if (report.engine.reachable) {
        io.out(
          `engine    ${report.engine.kind} ${report.engine.version} (API ${report.engine.apiVersion}) at ${report.engine.endpoint}`,
        );
      } else {
        io.out(`engine    not reachable: ${report.engine.error.message}`);
        io.info(`hint: ${report.engine.error.hint}`);
      }
    });
}
