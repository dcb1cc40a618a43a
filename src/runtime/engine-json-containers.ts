import type Dockerode from 'dockerode';
import type { ContainerOperations } from './container-operations.js';
import { labelFilters, toDetails, toSummaries } from './container-mapping.js';
import { engineError, isNoSuchContainer } from './engine-errors.js';
import type { EngineJsonClient } from './engine-json.js';

/**
 * The two container reads `ls` (and every agent lookup) makes, over the small JSON client instead
 * of dockerode, so that listing agents does not load dockerode. The same requests, answers and
 * errors as the dockerode implementation in dockerode-containers.ts.
 */
export function createJsonContainerReads(
  client: EngineJsonClient,
): Pick<ContainerOperations, 'inspectContainer' | 'listContainers'> {
  return {
    async inspectContainer(nameOrId) {
      try {
        return toDetails(
          (await client.get(`/containers/${encodeURIComponent(nameOrId)}/json`)) as Dockerode.ContainerInspectInfo,
        );
      } catch (error) {
        if (isNoSuchContainer(error)) return undefined;
        throw engineError('inspect the container', error);
      }
    },

    async listContainers({ labels, all }) {
      try {
        const list = await client.get('/containers/json', {
          all,
          filters: JSON.stringify({ label: labelFilters(labels) }),
        });
        return toSummaries(list as Dockerode.ContainerInfo[], labels);
      } catch (error) {
        throw engineError('list containers', error);
      }
    },
  };
}
