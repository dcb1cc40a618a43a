import {
  ConflictError,
  EngineError,
  ResourceError,
  connectionLostError,
  isConnectionFailure,
  type AgentctlError,
} from '../shared/errors.js';

/**
 * The engine's failures as agentctl's errors: the one reading of a dockerode (or engine JSON
 * client) failure, shared by every engine operation.
 */

interface EngineFailure {
  statusCode?: number;
  json?: { message?: string };
  reason?: string;
  message?: string;
}

/** The engine's own words for a failure (dockerode keeps the body's `message` in `json`). */
export function engineMessage(error: unknown): string {
  const failure = error as EngineFailure;
  const text = failure?.json?.message ?? failure?.message ?? String(error);
  return text.replace(/^\(HTTP code \d+\)\s*/, '').trim();
}

export function statusOf(error: unknown): number | undefined {
  return (error as EngineFailure)?.statusCode;
}

/**
 * The engine says the container is not there: 404, or Podman's 500 "container ID does not exist in
 * database: no such container" for one another client is removing at that moment
 * (https://github.com/containers/podman/issues/10120 — seen on inspect during a removal).
 */
export function isNoSuchContainer(error: unknown): boolean {
  const status = statusOf(error);
  return status === 404 || (status === 500 && /\bno such container\b/i.test(engineMessage(error)));
}

export function engineError(action: string, error: unknown): EngineError {
  if (isConnectionFailure(error)) return connectionLostError(error, action);
  return new EngineError('ENGINE_FAILED', `The engine could not ${action}: ${engineMessage(error)}`, {
    hint: 'Check the engine with `agentctl doctor`, then retry (add --verbose for details)',
    cause: error,
  });
}

/**
 * A create or start the engine refused for a host resource the spec asked for: GPUs the engine
 * cannot hand over (Docker without the NVIDIA runtime; Podman without a CDI spec, or a Podman
 * whose compat API takes no CDI device names, as 4.3 does), or a host port already taken.
 */
export function hostResourceError(error: unknown): AgentctlError | undefined {
  const message = engineMessage(error);
  if (/could not select device driver .*capabilities: \[\[gpu\]\]/.test(message))
    return new ResourceError('GPUS_UNAVAILABLE', `The engine cannot hand GPUs to the agent: ${message}`, {
      hint: 'Install the NVIDIA Container Toolkit and run `nvidia-ctk runtime configure --runtime=docker` (then restart Docker), or start without --gpus',
      cause: error,
    });
  if (/nvidia\.com\/gpu=\S*: no such file|unresolvable CDI devices/i.test(message))
    return new ResourceError('GPUS_UNAVAILABLE', `The engine cannot hand GPUs to the agent: ${message}`, {
      hint: 'Generate the CDI spec (`nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`); a Podman whose Docker-compatible API takes no CDI devices (4.3) cannot: upgrade Podman, or start without --gpus',
      cause: error,
    });
  const port = /port is already allocated|address already in use/i.test(message);
  if (port)
    return new ConflictError('PORT_IN_USE', `A host port asked for with --publish is taken: ${message}`, {
      hint: 'Publish on another host port (--publish HOSTPORT:PORT), or let the engine pick one (--publish 0:PORT) and read it with `agentctl port NAME`',
      cause: error,
    });
  return undefined;
}
