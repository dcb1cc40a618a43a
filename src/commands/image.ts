import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { BUILD_INFO } from '../shared/build-info.js';
import { ConflictError, NotFoundError, UnsafeOperationError, UsageError } from '../shared/errors.js';

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

function formatSize(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(0)} MB`;
}

export function registerImage(program: Command, context: CommandContext): void {
  const image = program.command('image').description('List, pull, build and remove agent images');
  const repository = async (): Promise<string> =>
    (await context.config()).config.image?.repository ?? BUILD_INFO.image.repository;
  const profileImages = async (): Promise<string[]> =>
    Object.values((await context.config()).config.agents ?? {}).map((agent) => agent.image);

  image
    .command('ls')
    .description("List agentctl's local images (version, size, created)")
    .addHelpText('after', '\nExamples:\n  $ agentctl image ls\n  $ agentctl image ls --json')
    .action(async () => {
      const { listAgentImages } = await import('../image/list-agent-images.js');
      const images = await listAgentImages(await context.runtime(), await repository(), await profileImages());
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

  image
    .command('pull [REF]')
    .description('Pull an agent image (default: the pinned or configured image) with registry credentials')
    .option('--agent <name>', 'pull the image of this agent profile')
    .addHelpText(
      'after',
      '\nExamples:\n  $ agentctl image pull\n  $ agentctl image pull ghcr.io/agentctl/agent:1.2.3 --json',
    )
    .action(async (ref: string | undefined, options: { agent?: string }) => {
      const { resolveAgentImage } = await import('../image/resolve-agent-image.js');
      const { createPullProgressDisplay } = await import('../io/pull-progress-display.js');
      const { config } = await context.config();
      const result = await resolveAgentImage(
        {
          runtime: await context.runtime(),
          config,
          env: context.env,
          homedir: context.homedir,
          signal: context.signal,
          progress: createPullProgressDisplay(context.io),
          secrets: context.io.secrets,
        },
        {
          ...(ref === undefined ? {} : { image: ref }),
          ...(options.agent === undefined ? {} : { agent: options.agent }),
          pull: 'always',
          useLocal: false,
        },
      );
      if (context.globals.json) return context.io.writeJson({ ok: true, image: result });
      context.io.out(`${result.reference}${result.digest ? `@${result.digest}` : ''}`);
    });

  image
    .command('resolve')
    .description('Show which image an agent would run and where it comes from (pulls if needed)')
    .option('--image <ref>', 'resolve this image instead of the profile or pinned one')
    .option('--agent <name>', 'resolve the image of this agent profile')
    .option('--pull <policy>', 'missing | always | never (default: config image.pull, else missing)')
    .option('--use-local-image', 'prefer the local development image')
    .addHelpText('after', '\nExamples:\n  $ agentctl image resolve\n  $ agentctl image resolve --pull never --json')
    .action(async (options: { image?: string; agent?: string; pull?: string; useLocalImage?: boolean }) => {
      if (options.pull !== undefined && !['missing', 'always', 'never'].includes(options.pull)) {
        throw new UsageError(
          'USAGE_INVALID_ARGUMENT',
          `--pull must be missing, always or never (got "${options.pull}")`,
          { hint: 'Use --pull missing, --pull always or --pull never' },
        );
      }
      const { resolveAgentImage } = await import('../image/resolve-agent-image.js');
      const { createPullProgressDisplay } = await import('../io/pull-progress-display.js');
      const { config } = await context.config();
      const result = await resolveAgentImage(
        {
          runtime: await context.runtime(),
          config,
          env: context.env,
          homedir: context.homedir,
          signal: context.signal,
          progress: createPullProgressDisplay(context.io),
          secrets: context.io.secrets,
        },
        {
          ...(options.image === undefined ? {} : { image: options.image }),
          ...(options.agent === undefined ? {} : { agent: options.agent }),
          ...(options.pull === undefined ? {} : { pull: options.pull as 'missing' | 'always' | 'never' }),
          ...(options.useLocalImage ? { useLocal: true } : {}),
        },
      );
      if (context.globals.json) return context.io.writeJson({ ok: true, image: result });
      context.io.out(`${result.reference}  ${result.source}  ${result.digest ?? result.id}`);
    });

  image
    .command('build [STACK]')
    .description('Build an image from containers/<STACK> (base, node, python, browser) through the engine')
    .option('--tag <version>', 'version to tag (also MAJOR.MINOR, MAJOR and latest for a release version)')
    .option('--repository <repo>', 'repository to tag into (default: the configured agent repository)')
    .option('--base-image <ref>', 'the BASE_IMAGE build argument')
    .option('--build-arg <key=value>', 'a build argument (repeatable)', collect, [])
    .option(
      '--extra-ca <file>',
      'a PEM CA certificate trusted during the build and in the image (repeatable)',
      collect,
      [],
    )
    .option('--no-cache', 'do not use the layer cache')
    .addHelpText(
      'after',
      '\nExamples:\n  $ agentctl image build\n  $ agentctl image build base --tag 1.2.3 --extra-ca ./corp-ca.pem\n  $ agentctl image build node --tag 1.2.3',
    )
    .action(
      async (
        stack: string | undefined,
        options: {
          tag?: string;
          repository?: string;
          baseImage?: string;
          buildArg: string[];
          extraCa: string[];
          cache: boolean;
        },
      ) => {
        const { buildAgentImage } = await import('../image/build-agent-image.js');
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
              repository: options.repository ?? (await repository()),
              buildArgs: parseBuildArgs(options.buildArg),
              extraCa: options.extraCa,
              noCache: !options.cache,
              ...(options.baseImage === undefined ? {} : { baseImage: options.baseImage }),
            },
          );
          progress.succeed(`built ${result.tags[0]} in ${(result.durationMs / 1000).toFixed(1)} s`);
          if (context.globals.json) return io.writeJson({ ok: true, image: result });
          for (const tag of result.tags) io.out(tag);
        } catch (error) {
          progress.fail();
          throw error;
        }
      },
    );

  image
    .command('rm <REF...>')
    .description("Remove agentctl's local images")
    .option('--force', 'remove even when containers use the image')
    .addHelpText('after', '\nExamples:\n  $ agentctl image rm ghcr.io/agentctl/agent:0.1.0')
    .action(async (refs: string[], options: { force?: boolean }) => {
      const { isAgentImage } = await import('../image/list-agent-images.js');
      const runtime = await context.runtime();
      const repo = await repository();
      const removed: string[] = [];
      for (const ref of refs) {
        const found = await runtime.inspectImage(ref);
        if (found === undefined)
          throw new NotFoundError('IMAGE_NOT_LOCAL', `Image ${ref} is not present locally`, {
            hint: 'See `agentctl image ls` for local images',
          });
        if (!isAgentImage(found, repo, await profileImages())) {
          throw new UnsafeOperationError('IMAGE_NOT_AGENTCTL', `Image ${ref} is not an agentctl image`, {
            hint: 'Remove it with your engine (docker rmi / podman rmi) if you mean to',
          });
        }
        try {
          await runtime.removeImage(ref, { force: options.force ?? false });
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode === 409) {
            throw new ConflictError('IMAGE_IN_USE', `Image ${ref} is used by a container`, {
              hint: 'Remove the container first, or pass --force',
              cause: error,
            });
          }
          throw error;
        }
        removed.push(ref);
        if (!context.globals.json) context.io.out(ref);
      }
      if (context.globals.json) context.io.writeJson({ ok: true, removed });
    });
}
