import semver from 'semver';
import { UsageError } from '../shared/errors.js';
import { canonicalRepository, formatReference, parseImageReference, withTag } from '../shared/image-reference.js';
import { lookupRegistryAuth, type RegistryAuthDeps } from './registry-auth.js';
import { listRegistryTags, type Fetch } from './registry-client.js';

/** What `agentctl image outdated` tells: the image in use against the versions its registry has. */
export interface OutdatedReport {
  /** The reference checked (repository:tag). */
  reference: string;
  repository: string;
  current: string;
  /** The highest published version this one can be replaced by (semver caret: same major; same minor below 1.0). */
  latestCompatible: string | null;
  /** The highest published version of any major (pre-releases left out). */
  latest: string | null;
  /** A newer compatible version is published. */
  outdated: boolean;
  /** A newer version outside the compatible range is published: it comes with a newer agentctl. */
  newerIncompatible: boolean;
}

export interface OutdatedDeps extends RegistryAuthDeps {
  signal?: AbortSignal;
  secrets?: { add(value: string): void };
  fetch?: Fetch;
}

/** Exact versions among registry tags (`1.2.3`, `v1.2.3`), pre-releases left out. */
function releasedVersions(tags: string[]): string[] {
  return tags.filter((tag) => {
    const version = semver.valid(tag);
    return version !== null && semver.prerelease(version) === null;
  });
}

/** Compares `current` with the tags a registry lists (pure: the unit tests drive it directly). */
export function compareVersions(
  reference: string,
  repository: string,
  current: string,
  tags: string[],
): OutdatedReport {
  const versions = releasedVersions(tags);
  const latest = semver.maxSatisfying(versions, '*');
  const latestCompatible = semver.maxSatisfying(versions, `^${semver.valid(current)}`);
  return {
    reference,
    repository,
    current,
    latestCompatible,
    latest,
    outdated: latestCompatible !== null && semver.gt(latestCompatible, current),
    newerIncompatible: latest !== null && semver.gt(latest, current) && latest !== latestCompatible,
  };
}

/**
 * Asks REFERENCE's registry for its repository's tags and compares them with REFERENCE's version
 * tag. Nothing is pulled and no engine is needed. A reference without a version tag (a digest, a
 * development tag, a range) cannot be compared: a usage error that says what can.
 */
export async function checkImageOutdated(deps: OutdatedDeps, reference: string): Promise<OutdatedReport> {
  const ref = parseImageReference(reference);
  const notVersion = (what: string) =>
    new UsageError('IMAGE_TAG_NOT_VERSION', `${reference} ${what}: there is no version to compare`, {
      hint: 'Give a reference whose tag is a version, e.g. `agentctl image outdated ghcr.io/owner/agent:1.2.3`, or set image.tag to one',
    });
  if (ref === undefined) throw notVersion('is not an image reference');
  if (ref.tag === undefined) throw notVersion('has no tag');
  const current = semver.valid(ref.tag);
  if (current === null || semver.clean(ref.tag) !== ref.tag.replace(/^v/, ''))
    throw notVersion(`has the tag ${ref.tag}, not a version`);
  const auth = await lookupRegistryAuth(deps, ref);
  if (auth?.password) deps.secrets?.add(auth.password);
  const tags = await listRegistryTags(ref, {
    ...(auth ? { auth } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  return compareVersions(formatReference(withTag(ref, ref.tag)), canonicalRepository(ref), ref.tag, tags);
}
