import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { UsageError } from '../shared/errors.js';

const PULL_POLICIES = ['missing', 'always', 'never'] as const;
type PullPolicy = (typeof PULL_POLICIES)[number];

function parsePullPolicy(value: string | undefined): PullPolicy | undefined {
  if (value === undefined) return undefined;
  if ((PULL_POLICIES as readonly string[]).includes(value)) return value as PullPolicy;
  throw new UsageError('USAGE_INVALID_ARGUMENT', `--pull must be missing, always or never (got "${value}")`, {
    hint: 'Use --pull missing, --pull always or --pull never',
  });
}

export function registerImageResolve(image: Command, context: CommandContext): void {
  image
    .command('resolve')
    .description('Show which image an agent would run and where it comes from (pulls if needed)')
    .option('--image <ref>', 'resolve this image instead of the profile or pinned one')
    .option('--agent <name>', 'resolve the image of this agent profile')
    .option('--pull <policy>', 'missing | always | never (default: config image.pull, else missing)')
    .option('--use-local-image', 'prefer the local development image')
    .addHelpText('after', '\nExamples:\n  $ agentctl image resolve\n  $ agentctl image resolve --pull never --json')
    .action(async (options: { image?: string; agent?: string; pull?: string; useLocalImage?: boolean }) => {
      const pull = parsePullPolicy(options.pull);
      const { resolveAgentImage } = await import('../image/resolve-agent-image.js');
      const { resolveImageDeps } = await import('./resolve-image-deps.js');
      const { config } = await context.config();
      const result = await resolveAgentImage(resolveImageDeps(context, config, await context.runtime()), {
        ...(options.image === undefined ? {} : { image: options.image }),
        ...(options.agent === undefined ? {} : { agent: options.agent }),
        ...(pull === undefined ? {} : { pull }),
        ...(options.useLocalImage ? { useLocal: true } : {}),
      });
      if (context.globals.json) return context.io.writeJson({ ok: true, image: result });
      context.io.out(`${result.reference}  ${result.source}  ${result.digest ?? result.id}`);
    });
}
