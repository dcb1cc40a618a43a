declare const __AGENTCTL_VERSION__: string;
declare const __AGENTCTL_IMAGE_REPOSITORY__: string;
declare const __AGENTCTL_IMAGE_VERSION__: string;

/**
 * Facts embedded at build time from package.json (`version` and `agentImage`), the one place
 * where they are written. scripts/build.mjs and vitest.config.ts both define them.
 */
export const BUILD_INFO = {
  version: __AGENTCTL_VERSION__,
  image: {
    repository: __AGENTCTL_IMAGE_REPOSITORY__,
    tag: __AGENTCTL_IMAGE_VERSION__,
  },
} as const;

export function pinnedImageReference(): string {
  return `${BUILD_INFO.image.repository}:${BUILD_INFO.image.tag}`;
}
