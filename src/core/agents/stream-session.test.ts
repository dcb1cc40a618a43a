import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SecretMasker } from '../../io/secrets.js';
import { parseDetachKeys } from '../../io/terminal.js';
import { runSession, type TerminalStreams } from './stream-session.js';
import { frame } from '../../../test/helpers/frames.js';

function fakeConnection() {
  const written: Buffer[] = [];
  let halfClosed = false;
  const connection = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      callback();
    },
    final(callback) {
      halfClosed = true;
      callback();
    },
  });
  return { connection, written: () => Buffer.concat(written).toString(), halfClosed: () => halfClosed };
}

function terminal(options: { tty: boolean }) {
  const rawModes: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), {
    isTTY: options.tty,
    setRawMode: (mode: boolean) => rawModes.push(mode),
  });
  const stdout = Object.assign(new PassThrough(), { isTTY: options.tty, columns: 120, rows: 40 });
  const stderr = new PassThrough();
  const read = (stream: PassThrough) => () => (stream.read() as Buffer | null)?.toString() ?? '';
  return {
    streams: { stdin, stdout, stderr } as TerminalStreams,
    stdin,
    stdout,
    rawModes,
    out: read(stdout),
    err: read(stderr),
  };
}

describe('runSession', () => {
  it('demultiplexes output, forwards piped stdin and half-closes when it ends', async () => {
    const fake = fakeConnection();
    const term = terminal({ tty: false });
    const session = runSession({
      connection: fake.connection,
      tty: false,
      forwardStdin: true,
      streams: term.streams,
      signal: new AbortController().signal,
    });
    term.stdin.end('typed\n');
    await new Promise((resolve) => setImmediate(resolve));
    fake.connection.push(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]));
    fake.connection.push(null);
    expect(await session).toEqual({ detached: false });
    expect(fake.written()).toBe('typed\n');
    expect(fake.halfClosed()).toBe(true);
    expect(term.out()).toBe('out\n');
    expect(term.err()).toBe('err\n');
    expect(term.rawModes).toEqual([]);
  });

  it('on a terminal: raw mode, initial size and resizes, detach keys not forwarded, terminal restored', async () => {
    const fake = fakeConnection();
    const term = terminal({ tty: true });
    const sizes: string[] = [];
    const session = runSession({
      connection: fake.connection,
      tty: true,
      forwardStdin: true,
      detachKeys: parseDetachKeys('ctrl-p,ctrl-q'),
      streams: term.streams,
      signal: new AbortController().signal,
      resize: async (size) => void sizes.push(`${size.columns}x${size.rows}`),
    });
    expect(term.rawModes).toEqual([true]);
    fake.connection.push(Buffer.from('\u001b[1mprompt$ '));
    await new Promise((resolve) => setImmediate(resolve));
    term.stdout.columns = 100;
    term.stdout.emit('resize');
    term.stdin.write('ls\r\u0010');
    term.stdin.write('\u0011');
    expect(await session).toEqual({ detached: true });
    expect(fake.written()).toBe('ls\r');
    expect(term.out()).toBe('\u001b[1mprompt$ ');
    expect(sizes).toEqual(['120x40', '100x40']);
    expect(term.rawModes).toEqual([true, false]);
  });

  it('masks secrets in output, also ones registered after the session began', async () => {
    const fake = fakeConnection();
    const term = terminal({ tty: false });
    const secrets = new SecretMasker();
    const session = runSession({
      connection: fake.connection,
      tty: true,
      forwardStdin: false,
      streams: term.streams,
      signal: new AbortController().signal,
      secrets,
    });
    secrets.add('sk-123');
    const bytes = Buffer.from('key sk-123 grüße\n');
    fake.connection.push(bytes.subarray(0, 14));
    await new Promise((resolve) => setImmediate(resolve));
    fake.connection.push(bytes.subarray(14));
    fake.connection.push(null);
    await session;
    expect(term.out()).toBe('key ******** grüße\n');
  });

  it("with stdinEnd 'keep' (attach), the end of piped stdin does not half-close: output goes on", async () => {
    const fake = fakeConnection();
    const term = terminal({ tty: false });
    const session = runSession({
      connection: fake.connection,
      tty: false,
      forwardStdin: true,
      stdinEnd: 'keep',
      streams: term.streams,
      signal: new AbortController().signal,
    });
    term.stdin.end('status\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.halfClosed()).toBe(false);
    fake.connection.push(frame(1, 'later\n'));
    fake.connection.push(null);
    expect(await session).toEqual({ detached: false });
    expect(fake.written()).toBe('status\n');
    expect(term.out()).toBe('later\n');
  });

  it('masks a secret split between two reads of the output, and prints a held start when output ends', async () => {
    const fake = fakeConnection();
    const term = terminal({ tty: false });
    const secrets = new SecretMasker();
    secrets.add('sk-split-secret');
    const session = runSession({
      connection: fake.connection,
      tty: false,
      forwardStdin: false,
      streams: term.streams,
      signal: new AbortController().signal,
      secrets,
    });
    fake.connection.push(frame(1, 'a sk-spl'));
    await new Promise((resolve) => setImmediate(resolve));
    fake.connection.push(frame(1, 'it-secret b sk-'));
    fake.connection.push(null);
    await session;
    expect(term.out()).toBe('a ******** b sk-');
  });

  it('rejects with the abort reason and restores the terminal', async () => {
    const fake = fakeConnection();
    const term = terminal({ tty: true });
    const controller = new AbortController();
    const session = runSession({
      connection: fake.connection,
      tty: true,
      forwardStdin: true,
      streams: term.streams,
      signal: controller.signal,
    });
    controller.abort(new Error('cancelled'));
    await expect(session).rejects.toThrow('cancelled');
    expect(term.rawModes).toEqual([true, false]);
    expect(fake.connection.destroyed).toBe(true);
  });
});
