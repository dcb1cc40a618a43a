import { describe, expect, it } from 'vitest';
import { checkExecSize, MAX_STRING_BYTES } from './exec-size.js';

describe('checkExecSize', () => {
  it('takes 1 MiB of arguments in strings under 128 KiB, and the largest variable Linux takes', () => {
    const args = Array.from({ length: 9 }, () => 'a'.repeat(120_000));
    expect(() => checkExecSize(['echo', ...args], [])).not.toThrow();
    expect(() => checkExecSize(undefined, [['BIG', 'a'.repeat(MAX_STRING_BYTES - 'BIG='.length - 1)]])).not.toThrow();
  });

  it('refuses a variable of over 128 KiB (the container started and failed: "argument list too long")', () => {
    expect(() => checkExecSize(['sleep', '5'], [['BIG', 'a'.repeat(1_000_000)]])).toThrow(
      expect.objectContaining({
        code: 'INVALID_ENV',
        kind: 'usage',
        message: 'The environment variable BIG is 977 KiB: Linux takes at most 128 KiB per variable',
      }),
    );
    expect(() => checkExecSize(undefined, [['BIG', 'a'.repeat(MAX_STRING_BYTES - 'BIG='.length)]])).toThrow(
      expect.objectContaining({ code: 'INVALID_ENV' }),
    );
  });

  it('refuses one argument of over 128 KiB and a command with its environment over 2 MiB, naming no value', () => {
    expect(() => checkExecSize(['echo', 'x'.repeat(200_000)], [])).toThrow(
      expect.objectContaining({
        code: 'COMMAND_TOO_LONG',
        message: "Argument 2 of the agent's command is 196 KiB: Linux takes at most 128 KiB per argument",
      }),
    );
    const env = Array.from({ length: 20 }, (_, index) => [`V${index}`, 'v'.repeat(120_000)] as [string, string]);
    let error: unknown;
    try {
      checkExecSize(['true'], env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'COMMAND_TOO_LONG', hint: expect.stringMatching(/files in the workspace/) });
    expect(String((error as Error).message)).not.toContain('vvv');
  });
});
