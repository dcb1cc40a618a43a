import { describe, expect, it } from 'vitest';
import { attachQuery, execCommand, execQuery, stdoutFrames } from './stream-requests.js';

describe('the API server requests of exec, attach and logs', () => {
  it('runs the command as given, through env for variables and sh for a working directory', () => {
    expect(execCommand({ command: ['ls', '-l'] })).toEqual(['ls', '-l']);
    expect(execCommand({ command: ['ls'], env: ['A=1', 'B=two words'] })).toEqual(['env', 'A=1', 'B=two words', 'ls']);
    expect(execCommand({ command: ['pwd'], workingDir: '/workspace/sub dir' })).toEqual([
      'sh',
      '-c',
      'cd "$1" || exit 126; shift; exec "$@"',
      'agentctl-exec',
      '/workspace/sub dir',
      'pwd',
    ]);
  });

  it('asks for stderr apart only without a TTY, and repeats command once per argument', () => {
    const tty = execQuery({ command: ['sh', '-c', 'echo a b'] }, { tty: true, stdin: true });
    expect(tty.get('container')).toBe('agent');
    expect(tty.get('stderr')).toBe('false');
    expect(tty.get('stdin')).toBe('true');
    expect(tty.getAll('command')).toEqual(['sh', '-c', 'echo a b']);
    expect(execQuery({ command: ['true'] }, { tty: false, stdin: false }).get('stderr')).toBe('true');
    expect(Object.fromEntries(attachQuery(false, true))).toEqual({
      container: 'agent',
      stdin: 'false',
      stdout: 'true',
      stderr: 'true',
      tty: 'true',
    });
  });

  it('frames log chunks as stdout in the engines’ multiplexed format', async () => {
    const frames = stdoutFrames();
    const out: Buffer[] = [];
    frames.on('data', (chunk: Buffer) => out.push(chunk));
    frames.end(Buffer.from('hello\n'));
    await new Promise((resolve) => frames.on('end', resolve));
    const frame = Buffer.concat(out);
    expect([...frame.subarray(0, 8)]).toEqual([1, 0, 0, 0, 0, 0, 0, 6]);
    expect(frame.subarray(8).toString()).toBe('hello\n');
  });
});
