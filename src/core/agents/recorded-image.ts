import { LABELS } from '../../shared/labels.js';

/** Where an agent's image came from and which one it is: what `start --json` reports (docs/images.md). */
export interface ImageFacts {
  /** How it was found when the agent was created: `dev`, `local`, `pulled` or `cluster`. */
  imageSource: string | null;
  /** Its registry digest (`sha256:…`); null for an image that has none (built here, or imported). */
  imageDigest: string | null;
  /** The engine's image id; null where the backend has none (a cluster's nodes pull by reference). */
  imageId: string | null;
}

/**
 * The image facts an existing agent's labels recorded when it was created. The digest label holds
 * the image id when the image had no digest: that is not a digest, so it is reported as none.
 */
export function getRecordedImage(existing: {
  image: string;
  labels: Readonly<Record<string, string>>;
  raw?: unknown;
}): ImageFacts {
  // The engine's inspect says which image the container runs (`Image`); its config may name it
  // by reference instead (Podman's `Config.Image`).
  const inspected = (existing.raw as { Image?: unknown } | undefined)?.Image;
  const candidates = [inspected, existing.image].filter((value): value is string => typeof value === 'string');
  const imageId = candidates.find((value) => value.startsWith('sha256:')) ?? null;
  const recorded = existing.labels[LABELS.imageDigest];
  return {
    imageSource: existing.labels[LABELS.imageSource] ?? null,
    imageDigest: recorded !== undefined && recorded !== imageId && recorded.startsWith('sha256:') ? recorded : null,
    imageId,
  };
}
