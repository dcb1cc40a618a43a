import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { ImageError, UsageError } from '../shared/errors.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { parseImageReference } from '../shared/image-reference.js';
import { BUILD_INPUTS_LABEL, buildInputsDigest } from './build-inputs.js';
import { directoryEntries, tarArchive } from './tar-context.js';

export const STACKS = ['base', 'node', 'python', 'browser'] as const;
/** The label every image built from containers/ carries (its stack); `image ls` filters on it. */
export const STACK_LABEL = 'io.agentctl.stack';

/** containers/ of this installation: beside dist/ in the package, or at the repository root. */
export function findContainersDir(start = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = start;
  for (let depth = 0; depth < 5; depth++) {
    if (existsSync(join(dir, 'containers', 'base', 'Dockerfile'))) return join(dir, 'containers');
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** VERSION, MAJOR.MINOR, MAJOR and latest for a release version; just the tag otherwise (e.g. dev). */
export function tagsFor(repository: string, version: string): string[] {
  const parsed = semver.valid(version) === null ? null : semver.parse(version);
  if (parsed === null || parsed.prerelease.length > 0) return [`${repository}:${version}`];
  return [version, `${parsed.major}.${parsed.minor}`, `${parsed.major}`, 'latest'].map((tag) => `${repository}:${tag}`);
}

/** The repository a stack is tagged into: the agent repository for base, `<repo>-<stack>` otherwise. */
export function stackRepository(repository: string, stack: string): string {
  return stack === 'base' ? repository : `${repository}-${stack}`;
}

export interface BuildRequest {
  /** A stack name from containers/ or a directory holding a Dockerfile. */
  stack: string;
  version: string;
  repository: string;
  /**
   * `repository` was given by the user (`--repository`): a directory of the user's is tagged into
   * it as it is (not `<repository>-<directory>`), and its default BASE_IMAGE is `agentRepository`'s.
   */
  explicitRepository?: boolean;
  /** The configured agent repository (BASE_IMAGE of a user's directory tagged into an explicit repository). */
  agentRepository?: string;
  baseImage?: string;
  buildArgs?: Record<string, string>;
  /** PEM files trusted at build time (added to the context's extra-ca/). */
  extraCa?: string[];
  noCache?: boolean;
  /** The platform to build for (`linux/arm64`), passed to the engine; default: the engine's own. */
  platform?: string;
}

export interface BuildDeps {
  runtime: ContainerRuntime;
  cwd: string;
  containersDir?: string;
  signal?: AbortSignal;
  onOutput?: (line: string) => void;
  now?: () => number;
}

export interface BuildResult {
  id: string;
  stack: string;
  tags: string[];
  size: number;
  durationMs: number;
  /** The image with these tags was already built from the same inputs (its build-inputs label): no build ran. */
  reused: boolean;
  /** The digest of the build's inputs, recorded in the image's io.agentctl.build-inputs label. */
  inputs?: string;
}

const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;

/**
 * The commit checked out in the git checkout that holds `dir` (agentctl's own, for its shipped
 * stacks), read from `.git` as data: git itself never runs. Undefined outside a plain checkout.
 */
export async function readCheckoutRevision(dir: string): Promise<string | undefined> {
  let gitDir: string | undefined;
  for (let current = dir, depth = 0; depth < 6; depth++) {
    if (existsSync(join(current, '.git'))) {
      // A worktree's or submodule's `.git` is a file: no revision rather than a wrong one.
      if (existsSync(join(current, '.git', 'HEAD'))) gitDir = join(current, '.git');
      break;
    }
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  if (gitDir === undefined) return undefined;
  const read = (file: string) => readFile(join(gitDir, file), 'utf8').catch(() => '');
  const head = (await read('HEAD')).trim();
  if (/^[0-9a-f]{40}$/.test(head)) return head;
  const ref = /^ref: (refs\/[^\s]+)$/.exec(head)?.[1];
  if (ref === undefined || ref.split('/').includes('..')) return undefined;
  const loose = (await read(ref)).trim();
  if (/^[0-9a-f]{40}$/.test(loose)) return loose;
  const packed = (await read('packed-refs')).split('\n').find((line) => line.endsWith(` ${ref}`));
  const commit = packed?.slice(0, 40);
  return commit !== undefined && /^[0-9a-f]{40}$/.test(commit) ? commit : undefined;
}

function contextDir(deps: BuildDeps, stack: string): { dir: string; stack: string; shipped: boolean } {
  const containers = deps.containersDir ?? findContainersDir();
  if ((STACKS as readonly string[]).includes(stack) && containers !== undefined)
    return { dir: join(containers, stack), stack, shipped: true };
  const dir = resolve(deps.cwd, stack);
  if (existsSync(join(dir, 'Dockerfile'))) return { dir, stack: basename(dir), shipped: false };
  throw new UsageError('IMAGE_STACK_UNKNOWN', `No Dockerfile for stack "${stack}"`, {
    hint: `Use one of ${STACKS.join(', ')}, or a directory containing a Dockerfile`,
  });
}

/** Builds containers/<stack>/Dockerfile through the engine API and tags it; nothing is left on failure. */
export async function buildAgentImage(deps: BuildDeps, request: BuildRequest): Promise<BuildResult> {
  const { dir, stack, shipped } = contextDir(deps, request.stack);
  const exact = !shipped && request.explicitRepository === true;
  const repository = exact ? request.repository : stackRepository(request.repository, stack);
  if (parseImageReference(`${repository}:${request.version}`) === undefined) {
    throw new UsageError('IMAGE_TAG_INVALID', `"${repository}:${request.version}" is not a valid image reference`, {
      hint: 'Use a version such as 1.2.3 (or dev) with --tag',
    });
  }
  const tags = tagsFor(repository, request.version);
  const entries = await directoryEntries(dir);
  for (const file of request.extraCa ?? []) {
    let content: Buffer;
    try {
      content = await readFile(resolve(deps.cwd, file));
    } catch (error) {
      throw new UsageError('IMAGE_EXTRA_CA_UNREADABLE', `Cannot read the CA file ${file}`, {
        hint: 'Pass a readable PEM file with --extra-ca',
        cause: error,
      });
    }
    if (!entries.some((entry) => entry.name === 'extra-ca'))
      entries.push({ name: 'extra-ca', type: 'directory', mode: 0o755 });
    entries.push({ name: `extra-ca/agentctl-extra-${entries.length}.crt`, type: 'file', mode: 0o644, content });
  }
  const buildArgs: Record<string, string> = { IMAGE_VERSION: request.version, ...request.buildArgs };
  if (request.baseImage !== undefined) buildArgs.BASE_IMAGE = request.baseImage;
  else if (stack !== 'base' && buildArgs.BASE_IMAGE === undefined)
    buildArgs.BASE_IMAGE = `${exact ? (request.agentRepository ?? request.repository) : request.repository}:${request.version}`;
  if (request.platform !== undefined && !PLATFORM.test(request.platform)) {
    throw new UsageError('IMAGE_PLATFORM_INVALID', `"${request.platform}" is not one platform such as linux/arm64`, {
      hint: 'Pass one OS/ARCH with --platform (a multi-arch index: `podman build --platform A,B --manifest NAME`)',
    });
  }
  const now = deps.now ?? Date.now;
  // The base image by id: a tag alone could name another image by the next build.
  const baseImageId =
    buildArgs.BASE_IMAGE === undefined ? undefined : (await deps.runtime.inspectImage(buildArgs.BASE_IMAGE))?.id;
  const inputs =
    baseImageId === undefined
      ? undefined
      : buildInputsDigest({
          entries,
          buildArgs,
          baseImageId,
          ...(request.platform === undefined ? {} : { platform: request.platform }),
        });
  if (inputs !== undefined && !request.noCache) {
    const existing = await deps.runtime.inspectImage(tags[0]!);
    if (existing !== undefined && existing.labels[BUILD_INPUTS_LABEL] === inputs) {
      for (const tag of tags.slice(1)) {
        if ((await deps.runtime.inspectImage(tag))?.id !== existing.id) await deps.runtime.tagImage(existing.id, tag);
      }
      return { id: existing.id, stack, tags, size: existing.size, durationMs: 0, reused: true, inputs };
    }
  }
  // Only agentctl's own stacks: a directory of the user's could sit in an agent's workspace.
  const revision = shipped ? await readCheckoutRevision(dir) : undefined;
  const started = now();
  const labels: Record<string, string> = {
    [STACK_LABEL]: stack,
    'org.opencontainers.image.version': request.version,
    'org.opencontainers.image.created': new Date(started).toISOString(),
    ...(revision === undefined ? {} : { 'org.opencontainers.image.revision': revision }),
    ...(inputs === undefined ? {} : { [BUILD_INPUTS_LABEL]: inputs }),
  };
  let id: string;
  try {
    id = await deps.runtime.buildImage({
      context: await tarArchive(entries),
      tags,
      buildArgs,
      labels,
      ...(request.noCache ? { noCache: true } : {}),
      ...(request.platform === undefined ? {} : { platform: request.platform }),
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.onOutput ? { onOutput: deps.onOutput } : {}),
    });
  } catch (error) {
    if (deps.signal?.aborted) throw deps.signal.reason;
    const reason = ((error as Error).message ?? String(error)).split('\n')[0] ?? '';
    throw new ImageError('IMAGE_BUILD_FAILED', `Building ${stack} (${tags[0]}) failed: ${reason}`, {
      hint: buildFailureHint(reason, buildArgs.BASE_IMAGE, request.platform),
      cause: error,
      details: { stack, tags },
    });
  }
  const durationMs = now() - started;
  // Some engines tag only the first `t`; make sure every tag exists.
  for (const tag of tags.slice(1)) {
    if ((await deps.runtime.inspectImage(tag))?.id !== id) await deps.runtime.tagImage(id, tag);
  }
  const image = await deps.runtime.inspectImage(tags[0]!);
  return { id, stack, tags, size: image?.size ?? 0, durationMs, reused: false, ...(inputs ? { inputs } : {}) };
}

/** The next step for a failed build, from the engine's words. */
export function buildFailureHint(reason: string, baseImage: string | undefined, platform: string | undefined): string {
  if (platform !== undefined && /platform|exec format error|architecture/i.test(reason))
    return `This engine cannot build for ${platform}: install QEMU emulation (qemu-user-static with binfmt) or build on a ${platform} machine`;
  const base = baseImage ?? "the Dockerfile's BASE_IMAGE";
  if (/pull|manifest|not found|no such image|repository|registry|resolve|dial tcp|timeout/i.test(reason))
    return `The base image ${base} could not be used: name a local one with --base-image REF (e.g. made by scripts/debian-base.sh), or make the registry reachable (behind a TLS-intercepting proxy also pass --extra-ca FILE)`;
  return 'Run again with --verbose to see the build output; a base image the engine cannot pull: --base-image REF; behind a TLS-intercepting proxy: --extra-ca FILE';
}
