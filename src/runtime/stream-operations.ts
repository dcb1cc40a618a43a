import type { Duplex, Readable } from 'node:stream';

export interface TerminalSize {
  columns: number;
  rows: number;
}

export interface AttachOptions {
  stdin: boolean;
  /** Detach sequence in docker's syntax ("ctrl-p,ctrl-q"), told to the engine too. */
  detachKeys?: string;
}

export interface ExecOptions {
  command: string[];
  tty: boolean;
  stdin: boolean;
  user?: string;
  workingDir?: string;
  env?: string[];
}

export interface ExecState {
  running: boolean;
  exitCode: number | undefined;
}

export interface LogOptions {
  follow: boolean;
  /** Unix time in seconds (may be fractional). */
  since?: number;
  until?: number;
  /** Number of lines from the end, or undefined for all. */
  tail?: number;
  timestamps: boolean;
}

/**
 * Streaming operations of a ContainerRuntime (attach, exec, logs). Implemented for the engine API
 * in dockerode-streams.ts. Streams of containers without a TTY are multiplexed (8-byte frame
 * headers); see src/io/demux.ts.
 */
export interface StreamOperations {
  /** Attaches to the container's main process (hijacked connection, no request body). */
  attachContainer(id: string, options: AttachOptions): Promise<Duplex>;
  resizeContainer(id: string, size: TerminalSize): Promise<void>;
  /** Resolves with the exit code of the container's next exit (condition `next-exit`). */
  waitContainerExit(id: string, signal?: AbortSignal): Promise<number>;
  createExec(id: string, options: ExecOptions): Promise<string>;
  /** Starts an exec and returns its hijacked stream. */
  startExec(execId: string, options: { tty: boolean; stdin: boolean }): Promise<Duplex>;
  resizeExec(execId: string, size: TerminalSize): Promise<void>;
  inspectExec(execId: string): Promise<ExecState>;
  /**
   * What is at `path` in the container (the engine's archive stat; nothing runs in it): absent,
   * a directory, something else, or `unknown` when it cannot tell. Optional, like `unknown`.
   */
  statContainerPath?(id: string, path: string): Promise<'absent' | 'directory' | 'other' | 'unknown'>;
  /** The container's log stream (multiplexed unless the container has a TTY). */
  streamLogs(id: string, options: LogOptions, signal?: AbortSignal): Promise<Readable>;
}
