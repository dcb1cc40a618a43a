import { NotFoundError } from '../../shared/errors.js';
import type { ContainerOperations, LabelFilter, VolumeSummary } from '../container-operations.js';
import { buildClaim, checkKubernetesName } from './agent-record.js';
import { kubeError, kubeStatus, orUndefined, type KubeClient } from './kube-client.js';
import { fromKubernetesMetadata, splitLabelFilter } from './kube-labels.js';

/** State volumes on Kubernetes: PersistentVolumeClaims. */
export function createKubeVolumeOperations(
  client: KubeClient,
  storage: { size: string; storageClass?: string },
): Pick<ContainerOperations, 'createVolume' | 'inspectVolume' | 'listVolumes' | 'removeVolume'> {
  const { core, namespace } = client;
  const fail = (action: string) => (error: unknown) => {
    throw kubeError(action, error, client);
  };
  return {
    async createVolume(name: string, labels: Record<string, string>) {
      checkKubernetesName(name);
      try {
        await core.createNamespacedPersistentVolumeClaim({ namespace, body: buildClaim(name, labels, storage) });
        return true;
      } catch (error) {
        if (kubeStatus(error) === 409) return false;
        throw kubeError(`create the volume claim ${name}`, error, client);
      }
    },

    async inspectVolume(name: string): Promise<VolumeSummary | undefined> {
      const claim = await orUndefined(core.readNamespacedPersistentVolumeClaim({ name, namespace })).catch(
        fail(`read volume claim ${name}`),
      );
      return claim ? { name, labels: fromKubernetesMetadata(claim.metadata) } : undefined;
    },

    async listVolumes(labels: LabelFilter): Promise<VolumeSummary[]> {
      const filter = splitLabelFilter(labels);
      const claims = await core
        .listNamespacedPersistentVolumeClaim({ namespace, labelSelector: filter.selector })
        .catch(fail('list volume claims'));
      return claims.items
        .map((claim) => ({ name: claim.metadata!.name!, labels: fromKubernetesMetadata(claim.metadata) }))
        .filter((volume) => filter.matches(volume.labels));
    },

    async removeVolume(name: string) {
      try {
        await core.deleteNamespacedPersistentVolumeClaim({ name, namespace });
      } catch (error) {
        if (kubeStatus(error) === 404)
          throw new NotFoundError('VOLUME_NOT_FOUND', `No volume claim ${name}`, {
            hint: 'List volumes with `kubectl get pvc`',
            cause: error,
          });
        throw kubeError(`remove the volume claim ${name}`, error, client);
      }
    },
  };
}
