import { EngineError, connectionLostError, isConnectionFailure } from '../shared/errors.js';

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

export function engineError(action: string, error: unknown): EngineError {
  if (isConnectionFailure(error)) return connectionLostError(error, action);
  return new EngineError('ENGINE_FAILED', `The engine could not ${action}: ${engineMessage(error)}`, {
    hint: 'Check the engine with `agentctl doctor`, then retry (add --verbose for details)',
    cause: error,
  });
}
