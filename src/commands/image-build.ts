import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { UsageError } from '../shared/errors.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function parseBuildArgs(values: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0)
      throw new UsageError('USAGE_INVALID_ARGUMENT', `--build-arg "${value}" is not KEY=VALUE`, {
        hint: 'Write it as --build-arg KEY=VALUE',
      });
    args[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return args;
}

interface BuildFlags {
  tag?: string;
  repository?: string;
  baseImage?: string;
  buildArg: string[];
  extraCa: string[];
  cache: boolean;
  platform?: string;
}

export function registerImageBuild(image: Command, context: CommandContext): void {
  image
    .command('build [STACK]')
    .description('Build an image from containers/<STACK> (base, node, python, browser) through the engine')
    .option('--tag <version>', 'version to tag (also MAJOR.MINOR, MAJOR and latest for a release version)')
    .option(
      '--repository <repo>',
      'repository to tag into (default: the configured agent repository; a stack other than base: <repo>-<stack>; a directory of yours: exactly <repo>)',
    )
    .option('--base-image <ref>', 'the BASE_IMAGE build argument')
    .option('--build-arg <key=value>', 'a build argument (repeatable)', collect, [])
    .option(
      '--extra-ca <file>',
      'a PEM CA certificate trusted during the build and in the image (repeatable)',
      collect,
      [],
    )
    .option('--no-cache', 'do not use the layer cache, and build even when the image was built from the same inputs')
    .option('--platform <os/arch>', "build for this platform (e.g. linux/arm64; needs the engine's emulation)")
    .addHelpText(
      'after',
      '\nExamples:\n  $ agentctl image build\n  $ agentctl image build base --tag 1.2.3 --extra-ca ./corp-ca.pem\n  $ agentctl image build node --tag 1.2.3',
    )
    .action(async (stack: string | undefined, options: BuildFlags) => {
      const [{ buildAgentImage }, { agentImageScope }] = await Promise.all([
        import('../image/build-agent-image.js'),
        import('../image/agent-image-scope.js'),
      ]);
      const { io } = context;
      const { config } = await context.config();
      const version = options.tag ?? config.image?.devTag ?? 'dev';
      const progress = await io.progress(`building ${stack ?? 'base'} (${version})`);
      try {
        const result = await buildAgentImage(
          {
            runtime: await context.runtime(),
            cwd: context.cwd,
            signal: context.signal,
            onOutput: (line) => io.debug(line),
          },
          {
            stack: stack ?? 'base',
            version,
            repository: options.repository ?? agentImageScope(config).repository,
            ...(options.repository === undefined
              ? {}
              : { explicitRepository: true, agentRepository: agentImageScope(config).repository }),
            buildArgs: parseBuildArgs(options.buildArg),
            extraCa: options.extraCa,
            noCache: !options.cache,
            ...(options.baseImage === undefined ? {} : { baseImage: options.baseImage }),
            ...(options.platform === undefined ? {} : { platform: options.platform }),
          },
        );
        progress.succeed(
          result.reused
            ? `${result.tags[0]} is up to date (built from the same inputs; --no-cache builds it again)`
            : `built ${result.tags[0]} in ${(result.durationMs / 1000).toFixed(1)} s`,
        );
        if (context.globals.json) return io.writeJson({ ok: true, image: result });
        for (const tag of result.tags) io.out(tag);
      } catch (error) {
        progress.fail();
        throw error;
      }
    });
}
