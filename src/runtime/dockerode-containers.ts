import type Dockerode from 'dockerode';
import { ConflictError, EngineError, NotFoundError, UsageError } from '../shared/errors.js';
import type { AgentSpec } from './agent-spec.js';
import { toDockerCreateBody } from './docker-create-body.js';
import { createUpload, filesUpload } from './docker-files.js';
import type { EngineKind } from './endpoint.js';
import { engineError, engineMessage, hostResourceError, isNoSuchContainer, statusOf } from './engine-errors.js';
import { labelFilters, matchesLabels, toDetails, toSummaries } from './container-mapping.js';
import type { ContainerOperations, VolumeSummary } from './container-operations.js';

/**
 * Rootless Podman 4.3 can refuse a keep-id create made at the same moment as another one ("keep-id
 * requires additional UIDs or GIDs defined in /etc/subuid": containers/storage#2030) although the
 * user's ranges are there; nothing was made. Tried again, a moment later, up to three more times.
 */
export async function createRetryingKeepIdRace(
  docker: Pick<Dockerode, 'createContainer'>,
  request: Dockerode.ContainerCreateOptions,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<{ id: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await docker.createContainer(request);
    } catch (error) {
      if (attempt >= 4 || !/keep-id requires additional UIDs or GIDs/i.test(engineMessage(error))) throw error;
      await sleep(50 + Math.floor(Math.random() * 150) * attempt);
    }
  }
}

export function createDockerodeContainerOperations(docker: Dockerode, kind: EngineKind): ContainerOperations {
  const operations: ContainerOperations = {
    async createContainer(spec: AgentSpec) {
      // Built before the request: what it refuses (a path with ":") is the user's, not the engine's.
      const { name, ...body } = toDockerCreateBody(spec, kind);
      let id: string;
      try {
        // dockerode copies every create option into the query string as well as the body unless
        // they are split like this: a command or environment of over 1 MiB then overflowed the
        // engine's header limit (431) and put the environment's values in the request line.
        const request = { _query: { name }, _body: body } as unknown as Dockerode.ContainerCreateOptions;
        id = (await createRetryingKeepIdRace(docker, request)).id;
      } catch (error) {
        const status = statusOf(error);
        // Podman answers a taken name with 500 "... already in use"; Docker with 409
        // (https://github.com/containers/podman/pull/28286).
        if (status === 409 || /already in use/i.test(engineMessage(error))) {
          throw new ConflictError(
            'CONTAINER_NAME_TAKEN',
            `The name "${spec.name}" is already used by another container`,
            {
              hint: 'Choose another agent name, or remove the old one with `agentctl rm NAME`',
              cause: error,
            },
          );
        }
        // Docker refuses more CPUs than its host has (Podman takes them): that is the user's value.
        const cpus = /Range of CPUs is from [\d.]+ to [\d.]+, as there (?:is|are) only (\d+) CPUs? available/i.exec(
          engineMessage(error),
        );
        if (status === 400 && cpus) {
          throw new UsageError(
            'INVALID_CPUS',
            `Invalid CPU limit: the engine has only ${cpus[1]} CPU${cpus[1] === '1' ? '' : 's'}`,
            {
              hint: `Give --cpus ${cpus[1]} or less (or set resources.cpus to at most ${cpus[1]}; the default is 2)`,
              cause: error,
            },
          );
        }
        if (status === 404) {
          throw new NotFoundError('IMAGE_NOT_FOUND', `The engine has no image "${spec.image}"`, {
            hint: 'Pull it first or run `agentctl start --pull always`',
            cause: error,
          });
        }
        throw hostResourceError(error) ?? engineError('create the container', error);
      }
      try {
        const upload = await createUpload(spec);
        if (upload) await docker.getContainer(id).putArchive(upload.archive, { path: upload.path });
      } catch (error) {
        // Nothing half-made is left; when the engine cannot even remove it (it went away: seen when
        // Podman's service was killed here), the caller gets the id to remove it once it answers.
        const removed = await docker
          .getContainer(id)
          .remove({ force: true, v: false })
          .then(
            () => true,
            (removeError: unknown) => statusOf(removeError) === 404,
          );
        const failure = engineError("copy the agent's files into its container", error);
        if (removed) throw failure;
        throw new EngineError(failure.code, failure.message, {
          hint: failure.hint,
          cause: error,
          details: { container: id },
        });
      }
      return { id };
    },

    async startContainer(id) {
      try {
        await docker.getContainer(id).start();
      } catch (error) {
        if (statusOf(error) === 304) return;
        const message = engineMessage(error);
        if (
          /executable file not found|no such file or directory|command that was not found|permission denied: unknown/i.test(
            message,
          ) &&
          /exec/i.test(message)
        ) {
          throw new EngineError(
            'AGENT_COMMAND_NOT_FOUND',
            `The agent's command cannot be run in the image: ${message}`,
            {
              hint: "Check the command after `--` (or the agent profile's `command`) and that the image contains it",
              cause: error,
            },
          );
        }
        throw hostResourceError(error) ?? engineError('start the container', error);
      }
    },

    async stopContainer(id, timeoutSeconds) {
      try {
        await docker.getContainer(id).stop({ t: timeoutSeconds });
      } catch (error) {
        const status = statusOf(error);
        if (status === 304) return;
        if (status === 404) throw notFound(id, error);
        throw engineError('stop the container', error);
      }
    },

    async removeContainer(id, options = {}) {
      try {
        // Podman waits its full stop timeout on a forced remove unless told 0.
        await docker.getContainer(id).remove({ force: options.force ?? false, v: false, t: 0 } as never);
      } catch (error) {
        const status = statusOf(error);
        if (status === 404) return;
        if (status === 409) {
          throw new ConflictError('CONTAINER_RUNNING', `The container ${id} is running`, {
            hint: 'Stop it first, or pass --force',
            cause: error,
          });
        }
        throw engineError('remove the container', error);
      }
    },

    async inspectContainer(nameOrId) {
      try {
        const info = await docker.getContainer(nameOrId).inspect();
        return toDetails(info);
      } catch (error) {
        if (isNoSuchContainer(error)) return undefined;
        throw engineError('inspect the container', error);
      }
    },

    async fetchOciRuntime(id) {
      try {
        if (kind === 'podman') {
          // Podman's Docker-compatible inspect reports HostConfig.Runtime as "oci"; libpod's says which.
          const info = await new Promise<{ OCIRuntime?: string }>((resolve, reject) => {
            docker.modem.dial(
              {
                path: `/v4.0.0/libpod/containers/${encodeURIComponent(id)}/json`,
                method: 'GET',
                options: {},
                statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
              },
              (error, data) => (error ? reject(error as Error) : resolve(data as { OCIRuntime?: string })),
            );
          });
          return info.OCIRuntime || undefined;
        }
        const info = await docker.getContainer(id).inspect();
        return (info.HostConfig as { Runtime?: string }).Runtime || undefined;
      } catch (error) {
        if (statusOf(error) === 404) throw notFound(id, error);
        throw engineError('inspect the container', error);
      }
    },

    async listContainers({ labels, all }) {
      try {
        const list = await docker.listContainers({ all, filters: JSON.stringify({ label: labelFilters(labels) }) });
        return toSummaries(list, labels);
      } catch (error) {
        throw engineError('list containers', error);
      }
    },

    async copyFiles(id, files) {
      const [owner] = await Promise.all([ownerOf(docker, id)]);
      const upload = await filesUpload(files, owner);
      try {
        await docker.getContainer(id).putArchive(upload.archive, { path: upload.path });
      } catch (error) {
        throw engineError(`copy files into the container at ${files.dir}`, error);
      }
    },

    async createVolume(name, labels) {
      const existing = await operations.inspectVolume(name);
      if (existing) return false;
      try {
        await docker.createVolume({ Name: name, Labels: labels });
        return true;
      } catch (error) {
        // Two starts of one name racing: Docker answers the second create with the existing
        // volume, Podman 4 with an error ("volume already exists"). Either way it exists now, made
        // by the other start; the race for the name is decided when the container is created
        // (no upstream issue found).
        if (await operations.inspectVolume(name).catch(() => undefined)) return false;
        throw engineError(`create the volume ${name}`, error);
      }
    },

    async inspectVolume(name) {
      try {
        const info = await docker.getVolume(name).inspect();
        return { name: info.Name, labels: info.Labels ?? {} };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw engineError(`inspect the volume ${name}`, error);
      }
    },

    async listVolumes(labels) {
      try {
        const answer = await docker.listVolumes({ filters: JSON.stringify({ label: labelFilters(labels) }) });
        return (answer.Volumes ?? [])
          .map((volume): VolumeSummary => ({ name: volume.Name, labels: volume.Labels ?? {} }))
          .filter((volume) => matchesLabels(volume.labels, labels));
      } catch (error) {
        throw engineError('list volumes', error);
      }
    },

    async removeVolume(name) {
      try {
        await docker.getVolume(name).remove();
      } catch (error) {
        const status = statusOf(error);
        if (status === 404) return;
        if (status === 409) {
          throw new ConflictError('VOLUME_IN_USE', `The volume ${name} is in use by a container`, {
            hint: 'Remove the container that uses it first (`agentctl rm NAME`)',
            cause: error,
          });
        }
        throw engineError(`remove the volume ${name}`, error);
      }
    },
  };
  return operations;
}

function notFound(id: string, cause: unknown): NotFoundError {
  return new NotFoundError('CONTAINER_NOT_FOUND', `No container ${id}`, {
    hint: 'List agents with `agentctl ls --all`',
    cause,
  });
}

/** The container's user (uid:gid), who owns the files copied in. */
async function ownerOf(docker: Dockerode, id: string): Promise<{ uid: number; gid: number }> {
  try {
    const info = await docker.getContainer(id).inspect();
    const [uid, gid] = (info.Config.User || '0:0').split(':').map(Number);
    return { uid: uid ?? 0, gid: gid ?? uid ?? 0 };
  } catch (error) {
    if (statusOf(error) === 404) throw notFound(id, error);
    throw engineError('inspect the container', error);
  }
}
