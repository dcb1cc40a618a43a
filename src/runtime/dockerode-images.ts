import type Dockerode from 'dockerode';
import type { EngineKind } from './endpoint.js';
import type { BuildOptions, ImageOperations, LocalImage, PullEvent, PullOptions } from './image-operations.js';
import { ConflictError, NotFoundError } from '../shared/errors.js';

interface StreamMessage {
  id?: string;
  status?: string;
  stream?: string;
  aux?: { ID?: string };
  error?: string;
  errorDetail?: { message?: string };
  progressDetail?: { current?: number; total?: number };
}

/** `repo:tag` → fromImage + tag (an empty tag would make the engine pull every tag). */
function pullQuery(reference: string): { fromImage: string; tag?: string } {
  if (reference.includes('@')) return { fromImage: reference };
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/'))
    return { fromImage: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { fromImage: reference, tag: 'latest' };
}

/**
 * Reads a JSON-lines progress stream. An `error` field fails it: Podman reports a failed pull as
 * HTTP 200 with the error inside the stream, and both engines report build failures that way.
 */
function followStream(
  stream: NodeJS.ReadableStream,
  onMessage: (message: StreamMessage) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let failed: Error | undefined;
    const onAbort = (): void => {
      (stream as NodeJS.ReadableStream & { destroy?: (error?: Error) => void }).destroy?.();
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const handle = (line: string): void => {
      if (line.trim() === '') return;
      let message: StreamMessage;
      try {
        message = JSON.parse(line) as StreamMessage;
      } catch {
        return;
      }
      if (message.error !== undefined || message.errorDetail?.message !== undefined) {
        failed ??= new Error(message.errorDetail?.message ?? message.error ?? 'unknown error');
        return;
      }
      onMessage(message);
    };
    stream.on('data', (chunk: Buffer | string) => {
      buffer += chunk.toString();
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        handle(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
      }
    });
    stream.on('error', (error: Error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    stream.on('end', () => {
      signal?.removeEventListener('abort', onAbort);
      handle(buffer);
      if (failed) reject(failed);
      else resolve();
    });
  });
}

function toLocalImage(info: Dockerode.ImageInspectInfo): LocalImage {
  return {
    id: info.Id,
    repoTags: info.RepoTags ?? [],
    repoDigests: info.RepoDigests ?? [],
    labels: info.Config?.Labels ?? {},
    size: info.Size,
    created: info.Created,
    user: info.Config?.User || undefined,
    ...(info.Config?.Cmd && info.Config.Cmd.length > 0 ? { command: info.Config.Cmd } : {}),
  };
}

export function createDockerodeImageOperations(docker: Dockerode, kind: EngineKind): ImageOperations {
  return {
    async inspectImage(reference: string): Promise<LocalImage | undefined> {
      try {
        return toLocalImage(await docker.getImage(reference).inspect());
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    },

    async pullImage(reference: string, options: PullOptions = {}): Promise<void> {
      const query = { ...pullQuery(reference), ...(options.signal ? { abortSignal: options.signal } : {}) };
      const stream = (await (options.auth === undefined
        ? docker.createImage(query)
        : docker.createImage(options.auth as Dockerode.AuthConfig, query))) as NodeJS.ReadableStream;
      await followStream(
        stream,
        (message) => {
          if (message.status === undefined) return;
          const event: PullEvent = { status: message.status };
          if (message.id !== undefined) event.id = message.id;
          if (message.progressDetail?.current !== undefined) event.current = message.progressDetail.current;
          if (message.progressDetail?.total !== undefined) event.total = message.progressDetail.total;
          options.onEvent?.(event);
        },
        options.signal,
      );
    },

    async listImages(filter = {}): Promise<LocalImage[]> {
      const labels = filter.labels ?? [];
      const summaries = await docker.listImages(labels.length > 0 ? { filters: { label: labels } } : {});
      return summaries.map((summary) => ({
        id: summary.Id,
        repoTags: (summary.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>'),
        repoDigests: (summary.RepoDigests ?? []).filter((digest) => !digest.startsWith('<none>')),
        labels: summary.Labels ?? {},
        size: summary.Size,
        created: new Date(summary.Created * 1000).toISOString(),
      }));
    },

    async removeImage(reference: string, options = {}): Promise<void> {
      try {
        await docker.getImage(reference).remove({ force: options.force ?? false });
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        if (status === 404) {
          throw new NotFoundError('IMAGE_NOT_LOCAL', `Image ${reference} is not present locally`, {
            hint: 'See `agentctl image ls` for local images',
            cause: error,
          });
        }
        if (status === 409) {
          throw new ConflictError('IMAGE_IN_USE', `Image ${reference} is used by a container`, {
            hint: 'Remove the container first, or pass --force',
            cause: error,
          });
        }
        throw error;
      }
    },

    async tagImage(source: string, target: string): Promise<void> {
      const query = pullQuery(target);
      await docker.getImage(source).tag({ repo: query.fromImage, tag: query.tag ?? 'latest' });
    },

    async buildImage(options: BuildOptions): Promise<string> {
      const buildOptions: Record<string, unknown> = {
        t: options.tags,
        rm: true,
        forcerm: true,
        version: '1', // the classic builder: no BuildKit session (its gRPC stack is not bundled)
        ...(options.dockerfile ? { dockerfile: options.dockerfile } : {}),
        ...(options.buildArgs ? { buildargs: options.buildArgs } : {}),
        ...(options.labels ? { labels: options.labels } : {}),
        ...(options.noCache ? { nocache: true } : {}),
        ...(options.platform ? { platform: options.platform } : {}),
        // Podman's API builds Docker-format images (the CLI's default is OCI, which drops
        // HEALTHCHECK); said explicitly so that it stays so.
        ...(kind === 'podman' ? { outputformat: 'application/vnd.docker.distribution.manifest.v2+json' } : {}),
        ...(options.signal ? { abortSignal: options.signal } : {}),
      };
      const stream = await docker.buildImage(
        options.context as NodeJS.ReadableStream,
        buildOptions as Dockerode.ImageBuildOptions,
      );
      let id: string | undefined;
      await followStream(
        stream,
        (message) => {
          if (message.aux?.ID) id = message.aux.ID;
          const text = message.stream ?? message.status;
          if (text === undefined) return;
          const built = /Successfully built ([0-9a-f]{12,})/.exec(text);
          if (built && id === undefined) id = built[1];
          for (const line of text.split('\n')) if (line.trim() !== '') options.onOutput?.(line);
        },
        options.signal,
      );
      const first = options.tags[0];
      if (id === undefined && first !== undefined) id = (await docker.getImage(first).inspect()).Id;
      if (id === undefined) throw new Error('the engine reported no image id for the build');
      return id;
    },
  };
}
