import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import type { OutdatedReport } from '../image/image-outdated.js';

/** The text answer: one line of data on stdout, and what to do about it. */
export function describeOutdated(report: OutdatedReport): string[] {
  const lines: string[] = [];
  if (report.outdated)
    lines.push(
      `${report.reference}: ${report.latestCompatible} is published (compatible). Upgrade agentctl, which pins it, or run it now: agentctl image pull ${report.repository}:${report.latestCompatible} and set image.tag to ${report.latestCompatible}`,
    );
  else lines.push(`${report.reference}: up to date (no newer compatible version is published)`);
  if (report.newerIncompatible)
    lines.push(
      `${report.latest} is published too, with changes this agentctl may not support: it comes with a newer agentctl`,
    );
  return lines;
}

export function registerImageOutdated(image: Command, context: CommandContext): void {
  image
    .command('outdated [REF]')
    .description('Say whether a newer compatible agent image is published (asks the registry; pulls nothing)')
    .option('--agent <name>', 'check the image of this agent profile')
    .addHelpText(
      'after',
      [
        '',
        'Compares the version tag of REF (default: the pinned or configured image) with the versions',
        'its registry lists. Compatible: the same major version (the same minor below 1.0). The exit',
        'code is 0 either way; --json gives `outdated` for scripts.',
        '',
        'Examples:',
        '  $ agentctl image outdated',
        '  $ agentctl image outdated --json',
        '  $ agentctl image outdated ghcr.io/agentctl/agent-node:1.2.0',
      ].join('\n'),
    )
    .action(async (ref: string | undefined, options: { agent?: string }) => {
      const { checkImageOutdated } = await import('../image/image-outdated.js');
      const { targetImage } = await import('../image/resolve-agent-image.js');
      const { config } = await context.config();
      const reference = targetImage(config, {
        ...(ref === undefined ? {} : { image: ref }),
        ...(options.agent === undefined ? {} : { agent: options.agent }),
      });
      const report = await checkImageOutdated(
        { env: context.env, homedir: context.homedir, signal: context.signal, secrets: context.io.secrets },
        reference,
      );
      if (context.globals.json) return context.io.writeJson({ ok: true, ...report });
      for (const line of describeOutdated(report)) context.io.out(line);
    });
}
