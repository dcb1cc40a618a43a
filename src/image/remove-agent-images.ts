import type { ImageOperations } from '../runtime/image-operations.js';
import { NotFoundError, UnsafeOperationError } from '../shared/errors.js';
import type { AgentImageScope } from './agent-image-scope.js';
import { isAgentImage } from './list-agent-images.js';

export interface RemoveAgentImagesOptions {
  references: string[];
  /** Remove even when containers use the image. */
  force: boolean;
  /** Called after each removal, in order (the command prints it at once). */
  onRemoved?: (reference: string) => void;
}

/**
 * Removes local images, one reference after the other, refusing any that is not agentctl's
 * (IMAGE_NOT_AGENTCTL) or not present (IMAGE_NOT_LOCAL). The engine refuses one a container uses
 * (ConflictError IMAGE_IN_USE from the runtime) unless `force`. Stops at the first failure.
 */
export async function removeAgentImages(
  runtime: Pick<ImageOperations, 'inspectImage' | 'removeImage'>,
  scope: AgentImageScope,
  options: RemoveAgentImagesOptions,
): Promise<string[]> {
  const removed: string[] = [];
  for (const reference of options.references) {
    const found = await runtime.inspectImage(reference);
    if (found === undefined)
      throw new NotFoundError('IMAGE_NOT_LOCAL', `Image ${reference} is not present locally`, {
        hint: 'See `agentctl image ls` for local images',
      });
    if (!isAgentImage(found, scope.repository, scope.profileImages)) {
      throw new UnsafeOperationError('IMAGE_NOT_AGENTCTL', `Image ${reference} is not an agentctl image`, {
        hint: 'Remove it with your engine (docker rmi / podman rmi) if you mean to',
      });
    }
    await runtime.removeImage(reference, { force: options.force });
    removed.push(reference);
    options.onRemoved?.(reference);
  }
  return removed;
}
