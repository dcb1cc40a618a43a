import { describe, expect, it } from 'vitest';
import { FrameDemuxer } from '../../io/demux.js';
import { FakeSocket } from '../../../test/helpers/fake-kube-streams.js';
import { ChannelStream, exitCodeOf, parseDetachKeys } from './channel-stream.js';

function session(tty: boolean, detachKeys?: string) {
  const stream = new ChannelStream(tty, detachKeys);
  const socket = new FakeSocket();
  stream.attachSocket(socket as never);
  const received: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => received.push(chunk));
  return { stream, socket, received };
}

describe('ChannelStream (the API server channel protocol as an engine-style stream)', () => {
  it('frames stdout and stderr as the engine does without a TTY, so the same demuxer reads them', async () => {
    const { stream, received } = session(false);
    stream.receive(1, Buffer.from('out\n'));
    stream.receive(2, Buffer.from('err\n'));
    await new Promise((resolve) => setImmediate(resolve));
    const seen: string[] = [];
    const demuxer = new FrameDemuxer((name, data) => seen.push(`${name}:${data.toString()}`));
    demuxer.push(Buffer.concat(received));
    expect(seen).toEqual(['stdout:out\n', 'stderr:err\n']);
  });

  it('passes TTY output through raw, sends stdin on channel 0 and resizes on channel 4', async () => {
    const { stream, socket, received } = session(true);
    stream.receive(1, Buffer.from('raw'));
    stream.write(Buffer.from('ls\n'));
    stream.resize({ columns: 100, rows: 30 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(Buffer.concat(received).toString()).toBe('raw');
    expect(socket.sent.map((frame) => [frame[0], frame.subarray(1).toString()])).toEqual([
      [0, 'ls\n'],
      [4, '{"Width":100,"Height":30}'],
    ]);
  });

  it('detaches on the detach keys: what came before is sent, the keys are not, the stream ends', async () => {
    const { stream, socket } = session(true, 'ctrl-p,ctrl-q');
    const ended = new Promise((resolve) => stream.on('end', resolve));
    stream.write(Buffer.from([0x61, 0x10]));
    stream.write(Buffer.from([0x11, 0x62]));
    await ended;
    expect(stream.detached).toBe(true);
    expect(socket.sent.map((frame) => [...frame])).toEqual([[0, 0x61]]);
    expect(socket.readyState).toBe(3);
  });

  it('sends a held-back first detach key once the next byte shows it was not the sequence', async () => {
    const { stream, socket } = session(true, 'ctrl-p,ctrl-q');
    stream.write(Buffer.from([0x10]));
    stream.write(Buffer.from([0x41]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.sent.map((frame) => [...frame])).toEqual([[0, 0x10, 0x41]]);
    expect(stream.detached).toBe(false);
  });

  it('tells the end of stdin on the v5 protocol only (v4 cannot without losing the output)', async () => {
    const v5 = session(false);
    (v5.socket as unknown as { protocol: string }).protocol = 'v5.channel.k8s.io';
    await new Promise<void>((resolve) => v5.stream.end(Buffer.from('x'), resolve));
    expect(v5.socket.sent.map((frame) => [...frame])).toEqual([
      [0, 0x78],
      [255, 0],
    ]);
    const v4 = session(false);
    (v4.socket as unknown as { protocol: string }).protocol = 'v4.channel.k8s.io';
    await new Promise<void>((resolve) => v4.stream.end(Buffer.from('x'), resolve));
    expect(v4.socket.sent.map((frame) => [...frame])).toEqual([[0, 0x78]]);
    expect(v4.socket.readyState).toBe(1);
  });

  it('reads the exit code from the final status', () => {
    const stream = new ChannelStream(false);
    stream.receive(
      3,
      Buffer.from(
        JSON.stringify({
          status: 'Failure',
          reason: 'NonZeroExitCode',
          details: { causes: [{ reason: 'ExitCode', message: '3' }] },
        }),
      ),
    );
    expect(stream.exitCode()).toBe(3);
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(exitCodeOf({ status: 'Failure', message: 'exec: "nope": executable file not found in $PATH' })).toBe(127);
    expect(exitCodeOf({ status: 'Failure', message: 'permission denied' })).toBe(126);
    expect(exitCodeOf(undefined)).toBeUndefined();
  });

  it('queues what is typed and resized before the socket opens, and sends it in order once it does', async () => {
    const stream = new ChannelStream(true);
    const written = new Promise<void>((resolve) => stream.write(Buffer.from('ls\n'), () => resolve()));
    stream.resize({ columns: 90, rows: 20 });
    const socket = new FakeSocket();
    stream.attachSocket(socket as never);
    await written;
    expect(socket.frames()).toEqual([
      [0, 'ls\n'],
      [4, '{"Width":90,"Height":20}'],
    ]);
  });

  it('closes a socket that opens after the session ended, and sends nothing once the socket closed', async () => {
    const ended = new ChannelStream(false);
    ended.destroy();
    const late = new FakeSocket();
    ended.attachSocket(late as never);
    expect(late.readyState).toBe(3);

    const { stream, socket, received } = session(false);
    socket.close();
    await new Promise<void>((resolve) => stream.write(Buffer.from('lost'), () => resolve()));
    expect(socket.sent).toEqual([]);
    expect(stream.ended).toBe(true);
    expect(received).toEqual([]);
  });

  it('ignores empty output, other channels and a status that is no JSON', async () => {
    const { stream, received } = session(false);
    stream.receive(1, Buffer.alloc(0));
    stream.receive(4, Buffer.from('x'));
    stream.receive(3, Buffer.from('not json'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toEqual([]);
    expect(stream.exitCode()).toBeUndefined();
  });

  it('parses docker-style detach keys', () => {
    expect([...parseDetachKeys('ctrl-p,ctrl-q')]).toEqual([0x10, 0x11]);
    expect([...parseDetachKeys('ctrl-a,d')]).toEqual([0x01, 0x64]);
    expect([...parseDetachKeys('ctrl-@,ctrl-[')]).toEqual([0, 27]);
  });
});
