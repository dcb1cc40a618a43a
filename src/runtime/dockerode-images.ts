import type Dockerode from 'dockerode';
import type { EngineKind } from './endpoint.js';
import type { ImageOperations, LocalImage } from './image-operations.js';

export function createDockerodeImageOperations(docker: Dockerode, _kind: EngineKind): ImageOperations {
  return {
    async inspectImage(reference: string): Promise<LocalImage | undefined> {
      try {
        const info = await docker.getImage(reference).inspect();
        return {
          id: info.Id,
          repoTags: info.RepoTags ?? [],
          repoDigests: info.RepoDigests ?? [],
          labels: info.Config?.Labels ?? {},
          size: info.Size,
          created: info.Created,
          user: info.Config?.User || undefined,
        };
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    },
  };
}
