import { Transform } from 'node:stream';
import type { ExecOptions } from '../stream-operations.js';
import { STDOUT } from './channel-stream.js';
import { AGENT_CONTAINER_NAME } from './pod-spec.js';

/**
 * The argv the API server runs for `exec`: the exec API has neither environment nor working
 * directory, so `env` sets the one and `sh -c 'cd'` the other (exit 126, as the engines, when
 * the directory is not there).
 */
export function execCommand(options: Pick<ExecOptions, 'command' | 'env' | 'workingDir'>): string[] {
  const env = options.env ?? [];
  const command = env.length > 0 ? ['env', ...env, ...options.command] : options.command;
  if (!options.workingDir) return command;
  return ['sh', '-c', 'cd "$1" || exit 126; shift; exec "$@"', 'agentctl-exec', options.workingDir, ...command];
}

/** The query of an exec stream: with a TTY, stderr is the terminal (one stream, as on the engines). */
export function execQuery(
  options: Pick<ExecOptions, 'command' | 'env' | 'workingDir'>,
  stream: { tty: boolean; stdin: boolean },
  container = AGENT_CONTAINER_NAME,
): URLSearchParams {
  const query = new URLSearchParams({
    container,
    stdin: String(stream.stdin),
    stdout: 'true',
    stderr: String(!stream.tty),
    tty: String(stream.tty),
  });
  for (const part of execCommand(options)) query.append('command', part);
  return query;
}

export function attachQuery(stdin: boolean, tty: boolean): URLSearchParams {
  return new URLSearchParams({
    container: AGENT_CONTAINER_NAME,
    stdin: String(stdin),
    stdout: 'true',
    stderr: 'true',
    tty: String(tty),
  });
}

/**
 * The log stream in the engines' multiplexed format (8-byte header, stream 1 = stdout), for a
 * non-TTY agent: the core demultiplexes it as an engine's. The API server merges stdout and
 * stderr, so every frame is stdout.
 */
export function stdoutFrames(): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const header = Buffer.alloc(8);
      header[0] = STDOUT;
      header.writeUInt32BE(chunk.length, 4);
      callback(null, Buffer.concat([header, chunk]));
    },
  });
}
