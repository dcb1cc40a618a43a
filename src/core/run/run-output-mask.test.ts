import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SecretMasker } from '../../io/secrets.js';
import { pumpOutput, type RunLog } from './run-output.js';

/** One frame of the engine's multiplexed stream (1 = stdout, 2 = stderr). */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('pumpOutput masking', () => {
  it('masks a secret the agent prints split over two frames, in the output and in the log', async () => {
    const secrets = new SecretMasker();
    secrets.add('sk-split-secret-0123456789');
    const out: string[] = [];
    const err: string[] = [];
    const logged: string[] = [];
    const log: RunLog = { path: '/dev/null', write: (text) => void logged.push(text), close: async () => undefined };
    const stream = new PassThrough();
    const done = pumpOutput(
      stream,
      { stdout: (text) => out.push(text), stderr: (text) => err.push(text) },
      log,
      (text) => secrets.mask(text),
      secrets,
    );
    stream.write(frame(1, 'token=sk-split-se'));
    stream.write(frame(2, 'warning\n'));
    stream.write(frame(1, 'cret-0123456789 done\n'));
    stream.write(frame(1, 'tail sk-split'));
    stream.end();
    await done;
    expect(out.join('')).toBe('token=******** done\ntail sk-split');
    expect(err.join('')).toBe('warning\n');
    expect(logged.join('')).not.toContain('sk-split-secret');
  });
});
