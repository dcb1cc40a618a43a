import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Io, type IoOptions } from './io.js';

function terminalIo(env: NodeJS.ProcessEnv, options: IoOptions = {}) {
  const tty = () => Object.assign(new PassThrough(), { isTTY: true });
  return new Io({ stdout: tty(), stderr: tty(), stdin: tty() }, env, options);
}

describe('Io decides colour once', () => {
  it('colours on a terminal by default', () => {
    expect(terminalIo({}).color).toBe(true);
    expect(terminalIo({}).style.red('x')).toBe('\u001b[31mx\u001b[39m');
  });

  it.each([
    ['CI=1', { CI: '1' }, {}],
    ['CI=true', { CI: 'true' }, {}],
    ['--quiet', {}, { quiet: true }],
    ['NO_COLOR', { NO_COLOR: '1' }, {}],
    ['--no-color', {}, { color: false }],
    ['TERM=dumb', { TERM: 'dumb' }, {}],
  ] as const)('never colours with %s, even on a terminal', (_title, env, options) => {
    const io = terminalIo(env, options);
    expect(io.color).toBe(false);
    expect(io.style.red('x')).toBe('x');
  });

  it('still colours with CI=false or an empty CI', () => {
    expect(terminalIo({ CI: 'false' }).color).toBe(true);
    expect(terminalIo({ CI: '' }).color).toBe(true);
  });
});
