import type { Config } from '../config/schema.js';
import { BUILD_INFO, stackRepository, type ImagePins } from '../shared/build-info.js';
import { ConfigError, ImageError, UsageError } from '../shared/errors.js';
import { getAgentProfile, getProfileImage, unknownProfileError } from '../config/agent-profiles.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { LocalImage } from '../runtime/image-operations.js';
import { quoteInput } from '../shared/quote.js';
import {
  digestFor,
  canonicalRepository,
  formatReference,
  isImageId,
  parseImageReference,
  withTag,
  type ImageReference,
} from '../shared/image-reference.js';
import { pullWithAuth } from './pull-image.js';
import type { PullProgressReporter } from '../io/pull-progress.js';
import { mayBeTagRange } from './tag-range-shape.js';

export type { PullProgressReporter } from '../io/pull-progress.js';

export interface ResolvedImage {
  /** The exact reference used (repository:tag). */
  reference: string;
  /** `cluster`: not on any node yet; the backend pulls it when the agent starts (Kubernetes). */
  source: 'dev' | 'local' | 'pulled' | 'cluster';
  id: string;
  digest: string | null;
  labels: Record<string, string>;
  user?: string;
  /** The image's default command, when the engine has the image. */
  command?: string[];
  /** Every source looked at, in order, as `reference (source)`. */
  tried: string[];
}

export interface ResolveImageOptions {
  /** --image REF */
  image?: string;
  /** --agent PROFILE from config.agents */
  agent?: string;
  pull?: 'missing' | 'always' | 'never';
  useLocal?: boolean;
}

export interface ResolveImageDeps {
  runtime: ContainerRuntime;
  config: Config;
  env: NodeJS.ProcessEnv;
  homedir: string;
  signal?: AbortSignal;
  progress?: PullProgressReporter;
  /** Registers registry passwords so every output path masks them (Io.secrets). */
  secrets?: { add(value: string): void };
  /** The release's pinned images (BUILD_INFO.image unless a test gives others). */
  pins?: ImagePins;
}

/**
 * The digest this release pinned for REF: set only when REF is the pinned tag of the pinned
 * repository or of one of its stacks (`<repository>-<stack>`), and the release recorded a digest.
 */
export function pinnedDigestFor(ref: ImageReference, pins: ImagePins = BUILD_INFO.image): string | undefined {
  if (ref.tag !== pins.tag || ref.digest !== undefined) return undefined;
  for (const [stack, digest] of Object.entries(pins.digests)) {
    const pinned = parseImageReference(stackRepository(pins.repository, stack));
    if (pinned !== undefined && canonicalRepository(pinned) === canonicalRepository(ref)) return digest;
  }
  return undefined;
}

function hasDigest(image: LocalImage, digest: string): boolean {
  return image.repoDigests.some((entry) => entry.endsWith(`@${digest}`));
}

/** The reference agentctl would run: --image, else the agent profile's image, else config/pinned. */
export function targetImage(config: Config, options: Pick<ResolveImageOptions, 'image' | 'agent'>): string {
  if (options.image !== undefined) return options.image;
  if (options.agent !== undefined) {
    const profile = getAgentProfile(config, options.agent);
    if (profile !== undefined) return getProfileImage(config, profile);
    throw unknownProfileError(config, options.agent);
  }
  const repository = config.image?.repository ?? BUILD_INFO.image.repository;
  const tag = config.image?.tag ?? BUILD_INFO.image.tag;
  return `${repository}:${tag}`;
}

const REFERENCE_FORMS =
  'repository:tag (e.g. ghcr.io/owner/agent:1.2.3), repository@sha256:<64 hex digits>, or a local image id';

/** A reference given on the command line (--image, `image pull REF`) is a usage error when malformed; one from config a config error. */
function parseOrThrow(text: string, fromCommandLine: boolean): ImageReference {
  const ref = parseImageReference(text);
  if (ref === undefined) {
    if (fromCommandLine) {
      throw new UsageError('IMAGE_ARGUMENT_INVALID', `${quoteInput(text)} is not a valid image reference`, {
        hint: `Give ${REFERENCE_FORMS}`,
      });
    }
    throw new ConfigError('IMAGE_REFERENCE_INVALID', `${quoteInput(text)} is not a valid image reference`, {
      hint: `Use ${REFERENCE_FORMS} (set with image.repository / image.tag or an agent profile's image)`,
    });
  }
  return ref;
}

function resolved(
  reference: string,
  source: ResolvedImage['source'],
  image: LocalImage,
  tried: string[],
): ResolvedImage {
  return {
    reference,
    source,
    id: image.id,
    digest: digestFor(reference, image.repoDigests),
    labels: image.labels,
    ...(image.user === undefined ? {} : { user: image.user }),
    ...(image.command === undefined ? {} : { command: image.command }),
    tried,
  };
}

/**
 * Finds the image an agent runs in, before anything is created: (1) the local development image
 * `<repository>:<devTag>` when asked for (--use-local-image / image.useLocal); (2) the target tag
 * already present locally; (3) a pull, as --pull / image.pull allow (default: when missing).
 * A semver range tag (`^1.2`) is first resolved to the highest matching registry tag.
 */
export async function resolveAgentImage(deps: ResolveImageDeps, options: ResolveImageOptions): Promise<ResolvedImage> {
  const { runtime, config } = deps;
  const pull = options.pull ?? config.image?.pull ?? 'missing';
  const useLocal = options.useLocal ?? config.image?.useLocal ?? false;
  const devTag = config.image?.devTag ?? 'dev';
  const target = targetImage(config, options);
  // A semver range (`repo:^1.2`) is not a valid tag: split it off before parsing. semver is loaded
  // only for a tag that may be one.
  const colon = target.lastIndexOf(':');
  const tag = colon > target.lastIndexOf('/') ? target.slice(colon + 1) : undefined;
  const tagRange = tag !== undefined && mayBeTagRange(tag) ? await import('./tag-range.js') : undefined;
  const range = tagRange?.isTagRange(tag!) ? tag : undefined;
  const tried: string[] = [];
  if (isImageId(target)) {
    if (pull === 'always') {
      throw new UsageError('IMAGE_ARGUMENT_INVALID', `${target} is an image id: only a repository:tag can be pulled`, {
        hint: `Give ${REFERENCE_FORMS.replace(', or a local image id', '')}`,
      });
    }
    tried.push(`${target} (local image id)`);
    const local = await runtime.inspectImage(target);
    if (local !== undefined) return resolved(target, 'local', local, tried);
    throw new ImageError('IMAGE_NOT_FOUND', `No local image has the id ${target}`, {
      hint: "Check the id with `agentctl image ls` or your engine's image list; a repository with this name is written in full (docker.io/library/NAME:TAG)",
      details: { image: target, tried },
    });
  }
  let ref = parseOrThrow(range === undefined ? target : target.slice(0, colon), options.image !== undefined);

  if (useLocal) {
    const devReference = formatReference(withTag(ref, devTag));
    tried.push(`${devReference} (local dev image)`);
    const dev = await runtime.inspectImage(devReference);
    if (dev !== undefined) return resolved(devReference, 'dev', dev, tried);
  }

  if (range !== undefined) ref = withTag(ref, await tagRange!.resolveTagRange(deps, ref, range, pull, tried));
  if (ref.tag === undefined && ref.digest === undefined) ref = withTag(ref, 'latest');
  const reference = formatReference(ref);
  const pin = pinnedDigestFor(ref, deps.pins);
  if (pin !== undefined) return resolvePinned(deps, ref, pin, pull, tried);

  if (pull !== 'always') {
    tried.push(`${reference} (local)`);
    const local = await runtime.inspectImage(reference);
    if (local !== undefined) return resolved(reference, 'local', local, tried);
  }
  if (pull === 'never') {
    throw new ImageError(
      'IMAGE_NOT_FOUND',
      `Image ${reference} is not present locally and pulling is disabled (--pull never); tried ${tried.join(', ')}`,
      {
        hint: `Run \`agentctl image pull ${reference}\`, or start again with --pull missing${useLocal ? '' : ', or build a dev image and use --use-local-image'}`,
        details: { image: reference, tried },
      },
    );
  }

  if (runtime.capabilities.pullsOnStart) {
    // The nodes pull it themselves when the agent starts (a pull failure is reported then).
    tried.push(`${reference} (pulled by the cluster when the agent starts)`);
    return { reference, source: 'cluster', id: reference, digest: null, labels: {}, tried };
  }
  tried.push(`${reference} (pull from ${ref.registry})`);
  await pullWithAuth(deps, ref, reference, tried);
  const pulled = await runtime.inspectImage(reference);
  if (pulled === undefined) {
    throw new ImageError('IMAGE_NOT_FOUND', `Image ${reference} was pulled but the engine does not list it`, {
      hint: `Run \`agentctl image pull ${reference}\` and check \`agentctl image ls\``,
      details: { image: reference, tried },
    });
  }
  return resolved(reference, 'pulled', pulled, tried);
}

/**
 * The pinned tag of a release that recorded digests runs by digest: a local image counts only when
 * its RepoDigests hold the pinned digest; a local tag with another digest (re-pushed, or built
 * locally under that name) is not used but the pinned digest is pulled, and `tried` says so.
 */
async function resolvePinned(
  deps: ResolveImageDeps,
  ref: ImageReference,
  pin: string,
  pull: 'missing' | 'always' | 'never',
  tried: string[],
): Promise<ResolvedImage> {
  const { runtime } = deps;
  const tagged = formatReference(ref);
  const pinnedRef: ImageReference = { registry: ref.registry, path: ref.path, digest: pin };
  const pinned = formatReference(pinnedRef);
  const withPin = (image: LocalImage, source: ResolvedImage['source']): ResolvedImage => ({
    ...resolved(pinned, source, image, tried),
    digest: pin,
  });
  if (pull !== 'always') {
    tried.push(`${pinned} (local, pinned digest of ${tagged})`);
    const local = await runtime.inspectImage(pinned);
    if (local !== undefined && hasDigest(local, pin)) return withPin(local, 'local');
    const other = await runtime.inspectImage(tagged);
    if (other !== undefined) {
      const digest = digestFor(tagged, other.repoDigests) ?? 'none (built locally)';
      tried.push(`${tagged} (local, digest ${digest} is not the pinned one: not used)`);
    }
  }
  if (pull === 'never') {
    throw new ImageError(
      'IMAGE_NOT_FOUND',
      `The pinned image ${pinned} is not present locally and pulling is disabled (--pull never); tried ${tried.join(', ')}`,
      {
        hint: `Run \`agentctl image pull\` (it pulls ${pinned}), or start again with --pull missing`,
        details: { image: pinned, tried },
      },
    );
  }
  if (runtime.capabilities.pullsOnStart) {
    tried.push(`${pinned} (pulled by the cluster when the agent starts)`);
    return { reference: pinned, source: 'cluster', id: pinned, digest: pin, labels: {}, tried };
  }
  tried.push(`${pinned} (pull from ${ref.registry})`);
  await pullWithAuth(deps, pinnedRef, pinned, tried);
  const pulled = await runtime.inspectImage(pinned);
  if (pulled === undefined || !hasDigest(pulled, pin)) {
    throw new ImageError(
      'IMAGE_NOT_FOUND',
      `Image ${pinned} was pulled but the engine does not list it by that digest`,
      {
        hint: `Run \`agentctl image pull ${pinned}\` and check \`agentctl image ls\``,
        details: { image: pinned, tried },
      },
    );
  }
  return withPin(pulled, 'pulled');
}
