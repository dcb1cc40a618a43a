import path from 'node:path';

/**
 * The one error hierarchy of agentctl. Every error carries a stable `code`, a one-line message and
 * a hint naming a concrete next step. Exit codes are assigned in one place: src/shared/exit-codes.ts,
 * keyed by `kind`, and applied only by src/cli.ts.
 */
export type ErrorKind =
  | 'usage'
  | 'config'
  | 'runtime-not-found'
  | 'engine'
  | 'image'
  | 'not-found'
  | 'conflict'
  | 'unsafe'
  | 'timeout'
  | 'check-failed'
  | 'resources'
  | 'no-changes'
  | 'untrusted'
  | 'cancelled'
  | 'terminated'
  | 'internal';

export interface ErrorOptions {
  hint: string;
  cause?: unknown;
  /** Extra machine-readable facts for --json output (never secrets). */
  details?: Record<string, unknown>;
}

export abstract class AgentctlError extends Error {
  abstract readonly kind: ErrorKind;
  readonly hint: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly code: string,
    message: string,
    options: ErrorOptions,
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.details = options.details;
    this.name = new.target.name;
  }
}

/** Bad flags, arguments or values given on the command line. */
export class UsageError extends AgentctlError {
  readonly kind = 'usage';
}

/** A config file that cannot be parsed or does not match the schema. */
export class ConfigError extends AgentctlError {
  readonly kind = 'config';
}

/** No container engine could be reached. */
export class RuntimeNotFoundError extends AgentctlError {
  readonly kind = 'runtime-not-found';
}

/** The engine answered, but refused or failed an operation. */
export class EngineError extends AgentctlError {
  readonly kind = 'engine';
}

/** An image could not be found, pulled, or built. */
export class ImageError extends AgentctlError {
  readonly kind = 'image';
}

/** An agent or other named object does not exist. */
export class NotFoundError extends AgentctlError {
  readonly kind = 'not-found';
}

/** The operation conflicts with existing state (a name taken, an agent running). */
export class ConflictError extends AgentctlError {
  readonly kind = 'conflict';
}

/** Refused because it would lose the user's work (uncommitted changes, unmerged commits). */
export class UnsafeOperationError extends AgentctlError {
  readonly kind = 'unsafe';
}

/** A wait or run exceeded its timeout. */
export class TimeoutError extends AgentctlError {
  readonly kind = 'timeout';
}

/**
 * A project config file (written in a directory an agent may write) sets keys that can loosen an
 * agent's confinement, and the user has not approved that exact file with `agentctl trust`.
 */
export class UntrustedConfigError extends AgentctlError {
  readonly kind = 'untrusted';
}

/** `doctor` (or another check) found a failing check. */
export class CheckFailedError extends AgentctlError {
  readonly kind = 'check-failed';
}

/** This machine lacks what the command needs: disk space where agentctl writes. */
export class ResourceError extends AgentctlError {
  readonly kind = 'resources';
}

/** `run --require-changes`: the agent exited 0 having changed nothing. */
export class NoChangesError extends AgentctlError {
  readonly kind = 'no-changes';
}

/** Interrupted by the user (SIGINT). */
export class CancelledError extends AgentctlError {
  readonly kind = 'cancelled';
}

/** Stopped by SIGTERM. */
export class TerminatedError extends AgentctlError {
  readonly kind = 'terminated';
}

/** A bug in agentctl or an unexpected failure. */
export class InternalError extends AgentctlError {
  readonly kind = 'internal';
}

export function isAgentctlError(value: unknown): value is AgentctlError {
  return value instanceof AgentctlError;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/**
 * Whether an error (or its cause chain) is a connection to the engine that broke or was refused
 * (the engine died or restarted mid-command: "socket hang up", ECONNREFUSED), not an answer.
 */
export function isConnectionFailure(value: unknown): boolean {
  let current = value as
    { code?: unknown; syscall?: unknown; message?: unknown; statusCode?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    if (isAgentctlError(current) || typeof current.statusCode === 'number') return false;
    if (
      typeof current.code === 'string' &&
      (CONNECTION_CODES.has(current.code) || (current.code === 'ENOENT' && current.syscall === 'connect'))
    )
      return true;
    if (
      typeof current.message === 'string' &&
      /^socket hang up$|^(connect|read|write) (ECONNREFUSED|ECONNRESET|EPIPE)\b/.test(current.message)
    )
      return true;
    current = current.cause as typeof current;
  }
  return false;
}

/** ENGINE_CONNECTION_LOST (exit 5): the engine went away during a command. */
export function connectionLostError(cause: unknown, action?: string): EngineError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new EngineError(
    'ENGINE_CONNECTION_LOST',
    `The connection to the container engine was lost${action ? ` while trying to ${action}` : ''}: ${message}`,
    {
      hint: 'The engine stopped or restarted: check it with `agentctl doctor` (start it again if needed), see what is left with `agentctl ls --all`, then retry',
      cause,
    },
  );
}

const NO_SPACE_CODES = new Set(['ENOSPC', 'EDQUOT']);

/** The file-system error (ENOSPC, EDQUOT) in an error or its cause chain, when the disk (or quota) is full. */
export function findNoSpaceError(value: unknown): { path?: string } | undefined {
  let current = value as { code?: unknown; path?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    if (typeof current.code === 'string' && NO_SPACE_CODES.has(current.code))
      return typeof current.path === 'string' ? { path: current.path } : {};
    current = current.cause as typeof current;
  }
  return undefined;
}

/** DISK_FULL (exit 12): no space left where agentctl writes (`directory`, when known). */
export function diskFullError(directory: string | undefined, cause: unknown): ResourceError {
  return new ResourceError(
    'DISK_FULL',
    directory ? `No space left on the disk of ${directory}` : 'No space left on a disk agentctl writes to',
    {
      hint: `Free some space${directory ? ` (\`df -h ${directory}\` shows how much is left)` : ''} and run the command again, or point AGENTCTL_DATA_DIR (config \`dataDir\`) and AGENTCTL_WORKTREE_DIR at a disk with room`,
      cause,
      details: { directory: directory ?? null },
    },
  );
}

/** Turns anything thrown into an AgentctlError, keeping typed errors as they are. */
export function toAgentctlError(value: unknown): AgentctlError {
  if (isAgentctlError(value)) return value;
  if (isConnectionFailure(value)) return connectionLostError(value);
  const noSpace = findNoSpaceError(value);
  if (noSpace) return diskFullError(noSpace.path === undefined ? undefined : path.dirname(noSpace.path), value);
  const message = value instanceof Error ? value.message : String(value);
  return new InternalError('INTERNAL', `Unexpected error: ${message}`, {
    hint: 'Run again with --verbose and report the output at https://github.com/agentctl/agentctl/issues',
    cause: value,
  });
}
