import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';

const bin = inject('agentctlBin');

/** What a command prints on a real terminal of `columns` columns (`script` gives it a pseudo-terminal). */
async function onTerminal(columns: number, args: string): Promise<string> {
  const result = await execa('script', ['-qec', `stty cols ${columns} rows 50; ${bin} ${args}`, '/dev/null'], {
    env: { ...process.env, NO_COLOR: '1' },
    reject: false,
  });
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout.replace(/\r\n/g, '\n');
}

describe('help follows the terminal width', () => {
  it("the top-level --help wraps like a command's --help: at the terminal's width, not at 80 columns", async () => {
    const wide = await onTerminal(200, '--help');
    const narrow = await onTerminal(80, '--help');
    // The command table is wrapped by the terminal's width: a row that wraps at 80 fits on one line at 200.
    const startRow = (text: string) => text.split('\n').find((line) => line.startsWith('  start '))!;
    expect(startRow(wide).length).toBeGreaterThan(80);
    expect(startRow(narrow).length).toBeLessThanOrEqual(80);
    expect(wide).not.toBe(narrow);
    // Each command's own --help does the same.
    expect(startRow(await onTerminal(200, 'help'))).toBe(startRow(wide));
    // Off a terminal it is the 80-column rendering, as on an 80-column terminal.
    const piped = await execa(bin, ['--help'], { env: { ...process.env, NO_COLOR: '1' } });
    expect(piped.stdout.trimEnd()).toBe(narrow.trimEnd());
  });
});
