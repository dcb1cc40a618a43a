import type { PullEvent } from '../runtime/image-operations.js';

/**
 * Where resolution reports a pull. The command layer adapts Io to it (live layers on a TTY, one
 * line per phase otherwise, nothing with --json); core code only calls these.
 */
export interface PullProgressReporter {
  /** A pull of `reference` from `registry` begins. */
  begin(reference: string, registry: string): void;
  /** One event from the engine's progress stream. */
  event(event: PullEvent): void;
  /** The pull ended; `ok` false when it failed or was cancelled. */
  end(ok: boolean, digest?: string | null): void;
}

export const SILENT_PROGRESS: PullProgressReporter = {
  begin() {},
  event() {},
  end() {},
};
