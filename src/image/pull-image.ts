import { CancelledError, ImageError } from '../shared/errors.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { ImageReference } from '../shared/image-reference.js';
import type { PullProgressReporter } from '../io/pull-progress.js';
import { lookupRegistryAuth } from './registry-auth.js';

export interface PullDeps {
  runtime: ContainerRuntime;
  env: NodeJS.ProcessEnv;
  homedir: string;
  signal?: AbortSignal;
  progress?: PullProgressReporter;
  secrets?: { add(value: string): void };
}

type Failure = 'auth' | 'unreachable' | 'missing' | 'other';

/** Sorts an engine's pull error text (Docker and Podman word these differently). */
export function classifyPullError(message: string): Failure {
  const text = message.toLowerCase();
  if (
    /unauthorized|authentication required|no basic auth credentials|status 401|401 unauthorized|denied: access|incorrect username or password/.test(
      text,
    )
  )
    return 'auth';
  if (
    /connection refused|no such host|i\/o timeout|dial tcp|network is unreachable|pinging container registry|connection reset|server misbehaving|tls: /.test(
      text,
    )
  )
    return 'unreachable';
  if (/manifest unknown|not found|does not exist|name unknown|no such image/.test(text)) return 'missing';
  return 'other';
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim().slice(0, 300);
}

/**
 * The ImageError a failed pull becomes: names the image, the registry and the fix. `localCopy`:
 * whether the engine has the image already (only then can --pull missing or never do without the
 * registry; suggesting them for an image that is not there sends the user into IMAGE_NOT_FOUND).
 */
export function pullError(
  error: unknown,
  ref: ImageReference,
  reference: string,
  tried: string[],
  localCopy = false,
): ImageError {
  const reason = firstLine(error instanceof Error ? error.message : String(error));
  const details = { image: reference, registry: ref.registry, tried };
  switch (classifyPullError(reason)) {
    case 'auth':
      return new ImageError(
        'REGISTRY_AUTH_FAILED',
        `Registry ${ref.registry} refused the credentials for ${reference}`,
        {
          hint: `Log in with \`docker login ${ref.registry}\` (or \`podman login ${ref.registry}\`) and try again`,
          cause: error,
          details,
        },
      );
    case 'unreachable':
      return new ImageError('REGISTRY_UNREACHABLE', `Registry ${ref.registry} cannot be reached to pull ${reference}`, {
        hint: localCopy
          ? `Check the network and that ${ref.registry} is up; ${reference} is present locally, and \`--pull missing\` (the default of start and run) uses it`
          : `Check the network and that ${ref.registry} is up, then try again (there is no local copy of ${reference}: \`agentctl image ls\` lists the images you have)`,
        cause: error,
        details: { ...details, reason },
      });
    case 'missing':
      return new ImageError(
        'IMAGE_NOT_FOUND',
        `Image ${reference} was not found in registry ${ref.registry}; tried ${tried.join(', ')}`,
        {
          hint: `Check the name and tag (\`agentctl image ls\` shows local images), or build it with \`agentctl image build\``,
          cause: error,
          details,
        },
      );
    default:
      return new ImageError('IMAGE_PULL_FAILED', `Pulling ${reference} from ${ref.registry} failed: ${reason}`, {
        hint: `Try \`agentctl image pull ${reference}\` again; --verbose shows more`,
        cause: error,
        details,
      });
  }
}

/**
 * Pulls `reference` with the user's registry credentials (registered as secrets first), reporting
 * progress. Cancellation (deps.signal) rejects with the signal's reason.
 */
export async function pullWithAuth(
  deps: PullDeps,
  ref: ImageReference,
  reference: string,
  tried: string[] = [],
): Promise<void> {
  const auth = await lookupRegistryAuth(deps, ref);
  if (auth?.password) deps.secrets?.add(auth.password);
  if (auth?.identitytoken) deps.secrets?.add(auth.identitytoken);
  const progress = deps.progress;
  progress?.begin(reference, ref.registry);
  try {
    await deps.runtime.pullImage(reference, {
      ...(auth === undefined ? {} : { auth }),
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
      onEvent: (event) => progress?.event(event),
    });
  } catch (error) {
    progress?.end(false);
    if (deps.signal?.aborted) {
      throw deps.signal.reason instanceof Error
        ? deps.signal.reason
        : new CancelledError('CANCELLED', `Pull of ${reference} cancelled`, { hint: 'Run the command again to retry' });
    }
    const reason = error instanceof Error ? error.message : String(error);
    const localCopy =
      classifyPullError(reason) === 'unreachable' &&
      (await deps.runtime.inspectImage(reference).then(
        (image) => image !== undefined,
        () => false,
      ));
    throw pullError(error, ref, reference, tried, localCopy);
  }
  progress?.end(true);
}
