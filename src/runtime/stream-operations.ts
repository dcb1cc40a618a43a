import type { Duplex, Readable } from 'node:stream';

/** What attach, exec and logs need to know about an agent's container. */
export interface AgentContainerInfo {
  id: string;
  /** The container's name without the leading slash, e.g. `agentctl-foo`. */
  containerName: string;
  /** The agent's name (label io.agentctl.agent, else the container name without the prefix). */
  agent: string;
  /** Engine state: created, running, paused, restarting, exited, dead… */
  status: string;
  running: boolean;
  exitCode: number | undefined;
  /** The container was created with a TTY (its output is not multiplexed). */
  tty: boolean;
  /** The container keeps stdin open (created with -i). */
  openStdin: boolean;
  labels: Record<string, string>;
  /**
   * Names of the secrets the agent was started with, from the `<NAME>_FILE=/run/secrets/<NAME>`
   * variables agentctl set when it created the container (its config, which the agent cannot
   * change). Never values: those are nowhere but in the container.
   */
  secretNames: string[];
}

const SECRET_FILE_VARIABLE = /^([A-Za-z_][A-Za-z0-9_]*)_FILE=\/run\/secrets\/([A-Za-z_][A-Za-z0-9_]*)$/;

/** The secret names in a container's environment (`NAME_FILE=/run/secrets/NAME`). */
export function getSecretNames(env: readonly string[] | undefined): string[] {
  const names: string[] = [];
  for (const entry of env ?? []) {
    const match = SECRET_FILE_VARIABLE.exec(entry);
    if (match && match[1] === match[2]) names.push(match[1]!);
  }
  return names;
}

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
  /** The container of agent `name` (by label io.agentctl.agent, else by name agentctl-NAME); undefined when absent. */
  lookupAgentContainer(name: string): Promise<AgentContainerInfo | undefined>;
  /** Every agentctl-managed container (running ones only unless `all`). */
  lookupAgentContainers(options: { all: boolean }): Promise<AgentContainerInfo[]>;
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
