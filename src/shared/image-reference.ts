/**
 * Image reference parsing after the distribution reference grammar: `[registry/]path[:tag][@digest]`.
 * The first path component is a registry when it contains a dot or a colon or is `localhost`;
 * otherwise the registry is Docker Hub and single-component names live under `library/`.
 */
export const DOCKER_HUB = 'docker.io';

export interface ImageReference {
  /** Registry host[:port], `docker.io` when none is given. */
  registry: string;
  /** The path inside the registry, e.g. `library/debian` or `agentctl/agent`. */
  path: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
/** The digests the engines accept (go-digest's registered algorithms): `sha256:` and 64 hex digits, … */
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;
/** A local image id as the docker CLI takes it: 12 to 64 hex digits, or `sha256:` and all 64. */
const IMAGE_ID = /^(?:[a-f0-9]{12,64}|sha256:[a-f0-9]{64})$/;

/**
 * Whether `input` is an image id rather than a name. Docker Hub refuses 64-hex repository names, and
 * a 12-hex one is what `docker images` shows in its IMAGE ID column: agentctl reads both as ids of
 * local images (never as a docker.io name to pull). A repository named so is written in full
 * (`docker.io/library/NAME`).
 */
export function isImageId(input: string): boolean {
  return IMAGE_ID.test(input);
}

/** Parses a reference; returns undefined when it is not one. */
export function parseImageReference(input: string): ImageReference | undefined {
  let rest = input.trim();
  if (rest === '' || rest !== input) return undefined;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    parts.shift();
  }
  if (parts.length === 0 || !parts.every((part) => COMPONENT.test(part))) return undefined;
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  return {
    registry,
    path: parts.join('/'),
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** The repository name as the user would write it: Docker Hub's `library/` and host left out. */
export function repositoryName(ref: ImageReference): string {
  if (ref.registry !== DOCKER_HUB) return `${ref.registry}/${ref.path}`;
  return ref.path.startsWith('library/') ? ref.path.slice('library/'.length) : ref.path;
}

/** The fully qualified repository (`docker.io/library/debian`), for comparing names across engines. */
export function canonicalRepository(ref: ImageReference): string {
  return `${ref.registry}/${ref.path}`;
}

export function formatReference(ref: ImageReference): string {
  let text = repositoryName(ref);
  if (ref.tag !== undefined) text += `:${ref.tag}`;
  if (ref.digest !== undefined) text += `@${ref.digest}`;
  return text;
}

/** The same repository with another tag (and no digest). */
export function withTag(ref: ImageReference, tag: string): ImageReference {
  return { registry: ref.registry, path: ref.path, tag };
}

/** True when two references (as strings) name the same repository. */
export function sameRepository(a: string, b: string): boolean {
  const left = parseImageReference(a);
  const right = parseImageReference(b);
  return left !== undefined && right !== undefined && canonicalRepository(left) === canonicalRepository(right);
}

/** The `repo@sha256:…` entry of an image's RepoDigests that belongs to `reference`'s repository. */
export function digestFor(reference: string, repoDigests: string[]): string | null {
  for (const entry of repoDigests) {
    const at = entry.indexOf('@');
    if (at > 0 && sameRepository(entry.slice(0, at), reference)) return entry.slice(at + 1);
  }
  const first = repoDigests[0];
  return first !== undefined && first.includes('@') ? first.slice(first.indexOf('@') + 1) : null;
}
