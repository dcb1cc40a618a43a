declare const __AGENTCTL_VERSION__: string;
declare const __AGENTCTL_IMAGE_REPOSITORY__: string;
declare const __AGENTCTL_IMAGE_VERSION__: string;
declare const __AGENTCTL_IMAGE_DIGESTS__: Record<string, string>;

/** The agent images a release pins: repository, tag, and per stack (`base`, `node`, …) the digest pushed. */
export interface ImagePins {
  repository: string;
  tag: string;
  /** Empty in a development build: the release workflow writes `agentImage.digests` before publishing. */
  digests: Readonly<Record<string, string>>;
}

/**
 * Facts embedded at build time from package.json (`version` and `agentImage`), the one place
 * where they are written. scripts/build.mjs and vitest.config.ts both define them.
 */
export const BUILD_INFO = {
  version: __AGENTCTL_VERSION__,
  image: {
    repository: __AGENTCTL_IMAGE_REPOSITORY__,
    tag: __AGENTCTL_IMAGE_VERSION__,
    digests: __AGENTCTL_IMAGE_DIGESTS__,
  } satisfies ImagePins,
} as const;

export function pinnedImageReference(): string {
  return `${BUILD_INFO.image.repository}:${BUILD_INFO.image.tag}`;
}

/** The repository of STACK under the pinned repository (`base` is the repository itself). */
export function stackRepository(repository: string, stack: string): string {
  return stack === 'base' ? repository : `${repository}-${stack}`;
}
