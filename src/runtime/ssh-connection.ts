import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { formatSshDestination } from './endpoint.js';

/** An engine reached over ssh:// (the docker CLI's own remote mode). */
export interface SshTarget {
  host: string;
  /** Only when the URL names one: otherwise ~/.ssh/config (or 22) decides. */
  port?: number;
  user?: string;
}

/**
 * The OpenSSH client's arguments for one connection to the engine: `docker system dial-stdio` on
 * the host relays stdin/stdout to its engine socket, as the docker CLI's ssh connection helper does
 * (docker/cli cli/connhelper/ssh). So the user's ssh setup applies as it is: ~/.ssh/config,
 * known_hosts (the host key is checked), ssh-agent, ProxyJump. BatchMode: agentctl opens several
 * connections per command and never prompts for a password in the middle of one.
 */
export function sshArguments(target: SshTarget): string[] {
  return [
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-T',
    ...(target.user ? ['-l', target.user] : []),
    ...(target.port !== undefined ? ['-p', String(target.port)] : []),
    '--',
    target.host,
    'docker',
    'system',
    'dial-stdio',
  ];
}

/** How `ssh` failed, in its own words (`code` as node's for the same outcome, for the probe's classification). */
export class SshConnectionError extends Error {
  override readonly name = 'SshConnectionError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

function failure(target: SshTarget, exitCode: number | null, stderr: string): SshConnectionError {
  const line =
    stderr
      .split('\n')
      .map((text) => text.trim())
      .filter(Boolean)
      .pop() ?? `ssh exited with ${exitCode}`;
  const code = /connection refused/i.test(line)
    ? 'ECONNREFUSED'
    : /timed out/i.test(line)
      ? 'ETIMEDOUT'
      : /could not resolve|name or service not known|no address associated/i.test(line)
        ? 'ENOTFOUND'
        : undefined;
  return new SshConnectionError(`ssh ${formatSshDestination(target)}: ${line}`, code);
}

/**
 * One connection to the engine through the ssh client's stdio. It behaves like a socket for node's
 * http client: bytes in both directions, `end` when the remote side closes, an error (ssh's last
 * line of stderr) when ssh fails, and ssh is stopped when the connection is destroyed.
 */
class SshConnection extends Duplex {
  private sshClosed = false;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    target: SshTarget,
  ) {
    super();
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      if (stderr.length < 8192) stderr += text;
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stdin.on('error', () => undefined); // EPIPE when ssh exits: reported by 'close' below
    child.on('error', (error: NodeJS.ErrnoException) => {
      this.destroy(
        error.code === 'ENOENT'
          ? new SshConnectionError('ssh:// endpoints need the OpenSSH client, and there is no `ssh` on PATH', 'ENOSSH')
          : error,
      );
    });
    child.on('close', (exitCode) => {
      this.sshClosed = true;
      if (this.destroyed) return;
      if (exitCode === 0) this.push(null);
      else this.destroy(failure(target, exitCode, stderr));
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.child.stdin.write(chunk, (error) => {
      if (!error) return callback();
      // ssh is gone (EPIPE): its exit, with ssh's own words, is the failure to report ('close'
      // above destroys this stream with it), not the write that noticed first.
      if (this.sshClosed) return callback();
      this.child.once('close', () => callback());
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    callback(error);
  }

  // What node's http client and agent call on a socket; a pipe has no such settings.
  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  setTimeout(): this {
    return this;
  }

  /** An idle kept-alive connection does not keep the program running (nor does its ssh). */
  unref(): this {
    this.child.unref();
    for (const pipe of [this.child.stdin, this.child.stdout, this.child.stderr]) (pipe as Partial<Socket>).unref?.();
    return this;
  }

  ref(): this {
    this.child.ref();
    for (const pipe of [this.child.stdin, this.child.stdout, this.child.stderr]) (pipe as Partial<Socket>).ref?.();
    return this;
  }
}

/** Starts `ssh … docker system dial-stdio` and returns the connection. */
export function openSshConnection(target: SshTarget): Duplex {
  const child = spawn('ssh', sshArguments(target), { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  return new SshConnection(child, target);
}
