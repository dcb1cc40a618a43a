import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { LocalImage } from '../runtime/image-operations.js';
import { STACK_LABEL, STACKS } from './build-agent-image.js';
import {
  canonicalRepository,
  formatReference,
  parseImageReference,
  sameRepository,
} from '../shared/image-reference.js';

export interface AgentImageSummary {
  reference: string;
  repository: string;
  tag: string;
  /** org.opencontainers.image.version, else the tag. */
  version: string;
  stack: string | null;
  id: string;
  size: number;
  created: string;
  digest: string | null;
}

/**
 * The repositories agentctl calls its own: the agent repository, its `-<stack>` siblings, and the
 * repositories of any extra images given (agent profiles' images).
 */
export function agentRepositories(repository: string, extra: string[] = []): string[] {
  const profiles = extra
    .map((image) => parseImageReference(image))
    .filter((ref) => ref !== undefined)
    .map((ref) => formatReference({ registry: ref.registry, path: ref.path }));
  return [
    repository,
    ...STACKS.filter((stack) => stack !== 'base').map((stack) => `${repository}-${stack}`),
    ...profiles,
  ];
}

/** True when `image` is agentctl's: it carries the stack label or lives in one of agentctl's repositories. */
export function isAgentImage(
  image: Pick<LocalImage, 'labels' | 'repoTags'>,
  repository: string,
  extra: string[] = [],
): boolean {
  if (image.labels[STACK_LABEL] !== undefined) return true;
  const mine = new Set(
    agentRepositories(repository, extra)
      .map((name) => parseImageReference(name))
      .filter((ref) => ref !== undefined)
      .map(canonicalRepository),
  );
  return image.repoTags.some((tag) => {
    const parsed = parseImageReference(tag);
    if (parsed === undefined) return false;
    if (mine.has(canonicalRepository(parsed))) return true;
    // Podman keeps an image built or loaded under a short name (agentctl-test/x) as localhost/agentctl-test/x,
    // and resolves that short name to it: the configured short name means this image too.
    const short = parsed.registry === 'localhost' ? parseImageReference(parsed.path) : undefined;
    return short !== undefined && mine.has(canonicalRepository(short));
  });
}

/** agentctl's local images, one row per tag, newest first. */
export async function listAgentImages(
  runtime: ContainerRuntime,
  repository: string,
  extra: string[] = [],
): Promise<AgentImageSummary[]> {
  const images = await runtime.listImages();
  const rows: AgentImageSummary[] = [];
  for (const image of images) {
    if (!isAgentImage(image, repository, extra)) continue;
    for (const repoTag of image.repoTags) {
      const parsed = parseImageReference(repoTag);
      if (parsed === undefined) continue;
      const tag = parsed.tag ?? 'latest';
      const digestEntry = image.repoDigests.find((entry) => sameRepository(entry.split('@')[0] ?? '', repoTag));
      rows.push({
        reference: formatReference(parsed),
        repository: formatReference({ registry: parsed.registry, path: parsed.path }),
        tag,
        version: image.labels['org.opencontainers.image.version'] ?? tag,
        stack: image.labels[STACK_LABEL] ?? null,
        id: image.id,
        size: image.size,
        created: image.created,
        digest: digestEntry?.slice(digestEntry.indexOf('@') + 1) ?? null,
      });
    }
  }
  return rows.sort((a, b) => b.created.localeCompare(a.created) || a.reference.localeCompare(b.reference));
}
