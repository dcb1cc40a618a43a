import semver from 'semver';
import { ImageError } from '../shared/errors.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { canonicalRepository, parseImageReference, type ImageReference } from '../shared/image-reference.js';
import { lookupRegistryAuth } from './registry-auth.js';
import { listRegistryTags, type Fetch } from './registry-client.js';
import { mayBeTagRange } from './tag-range-shape.js';

/**
 * True for a tag written as a semver range (`^1.2`, `~1.4.0`, `>=1 <2`, `1.x`) rather than a
 * literal tag. Plain `1` or `1.2` stay literal: `image build` tags MAJOR and MAJOR.MINOR.
 */
export function isTagRange(tag: string): boolean {
  if (!mayBeTagRange(tag)) return false;
  return semver.validRange(tag) !== null;
}

/** The highest tag that is an exact semver version satisfying `range` (pre-releases excluded). */
export function pickHighestTag(tags: string[], range: string): string | undefined {
  const versions = tags.filter((tag) => semver.valid(tag) !== null && semver.clean(tag) === tag.replace(/^v/, ''));
  return semver.maxSatisfying(versions, range) ?? undefined;
}

export interface TagRangeDeps {
  runtime: ContainerRuntime;
  env: NodeJS.ProcessEnv;
  homedir: string;
  signal?: AbortSignal;
  secrets?: { add(value: string): void };
  fetch?: Fetch;
}

async function localTags(runtime: ContainerRuntime, ref: ImageReference): Promise<string[]> {
  const images = await runtime.listImages();
  const tags: string[] = [];
  for (const image of images) {
    for (const repoTag of image.repoTags) {
      const parsed = parseImageReference(repoTag);
      if (parsed?.tag !== undefined && canonicalRepository(parsed) === canonicalRepository(ref)) tags.push(parsed.tag);
    }
  }
  return tags;
}

/**
 * Resolves a range tag to an exact one: against the registry's tag list, or (with --pull never, or
 * when the registry cannot be asked) against the tags present locally.
 */
export async function resolveTagRange(
  deps: TagRangeDeps,
  ref: ImageReference,
  range: string,
  pull: 'missing' | 'always' | 'never',
  tried: string[],
): Promise<string> {
  const notFound = (where: string): ImageError =>
    new ImageError('IMAGE_TAG_NOT_FOUND', `No tag of ${canonicalRepository(ref)} satisfies ${range} (${where})`, {
      hint: 'Pin an exact tag with --image or image.tag, or publish a matching version',
      details: { range, tried },
    });
  if (pull !== 'never') {
    tried.push(`${canonicalRepository(ref)} tags matching ${range} (registry ${ref.registry})`);
    let remote: string[] | undefined;
    let registryError: unknown;
    try {
      const auth = await lookupRegistryAuth(deps, ref);
      if (auth?.password) deps.secrets?.add(auth.password);
      remote = await listRegistryTags(ref, {
        ...(auth ? { auth } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
    } catch (error) {
      if (deps.signal?.aborted) throw error;
      registryError = error;
    }
    if (remote !== undefined) {
      const tag = pickHighestTag(remote, range);
      if (tag === undefined) throw notFound(`registry ${ref.registry}`);
      return tag;
    }
    const local = pull === 'missing' ? pickHighestTag(await localTags(deps.runtime, ref), range) : undefined;
    if (local !== undefined) return local;
    throw registryError;
  }
  tried.push(`${canonicalRepository(ref)} tags matching ${range} (local)`);
  const local = pickHighestTag(await localTags(deps.runtime, ref), range);
  if (local === undefined) throw notFound('local images; pulling is disabled');
  return local;
}
