/**
 * Image reference parsing after the distribution reference grammar: `[registry/]path[:tag][@digest]`.
 * The first path component is a registry when isRegistryHost says so; otherwise the registry is
 * Docker Hub and single-component names live under `library/`.
 */
export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's registry API answers (`docker.io` is only its name in references). */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

/**
 * The one rule for "is this the registry host": the first component of a name that has more than
 * one (`ghcr.io/x`, `localhost:5000/x`, `localhost/x`) is a registry when it contains a `.` or a `:`
 * or is `localhost` (distribution's `splitDockerDomain`); `agentctl/agent` is a Docker Hub path.
 */
export function isRegistryHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/**
 * The registry a reference names, as the engines read it: the first component when isRegistryHost
 * says so, else Docker Hub (`docker.io`). Works on text that does not parse as a reference too.
 */
export function registryOf(reference: string): string {
  const parsed = parseImageReference(reference);
  if (parsed !== undefined) return parsed.registry;
  const slash = reference.indexOf('/');
  const first = reference.slice(0, Math.max(0, slash));
  return slash > 0 && isRegistryHost(first) ? first : DOCKER_HUB;
}

/**
 * A registry on the loopback interface (`localhost`, `127.x.x.x`, `[::1]`, any port): the engines
 * allow plain HTTP to it, so agentctl's own registry calls do too.
 */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * A reference written in full, as the kubelet and containerd report images:
 * `debian` → `docker.io/library/debian:latest`, `ghcr.io/a/b@sha256:…` stays, a tag defaults to
 * `latest` when there is no digest. Text that is not a reference comes back unchanged.
 */
export function qualifyReference(reference: string): string {
  const parsed = parseImageReference(reference);
  if (parsed === undefined) return reference;
  const tag = parsed.tag ?? (parsed.digest === undefined ? 'latest' : undefined);
  return `${canonicalRepository(parsed)}${tag === undefined ? '' : `:${tag}`}${parsed.digest === undefined ? '' : `@${parsed.digest}`}`;
}

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
  if (parts.length > 1 && isRegistryHost(first)) {
    registry = first;
    parts.shift();
  }
  if (parts.length === 0 || !parts.every((part) => COMPONENT.test(part))) return undefined;
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  if (registry === 'index.docker.io' || registry === DOCKER_HUB_API_HOST) registry = DOCKER_HUB;
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
