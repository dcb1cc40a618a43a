import { UsageError } from '../../shared/errors.js';

/**
 * Linux refuses (E2BIG) to start a program given one argument or environment string longer than
 * MAX_ARG_STRLEN (32 pages: 128 KiB, its NUL included), or more than a quarter of its stack limit
 * (2 MiB under the usual 8 MiB) in all, the strings and their pointers counted. The agent's
 * container would be created and then fail with "argument list too long": refused before anything
 * is made instead.
 */
export const MAX_STRING_BYTES = 128 * 1024;
export const MAX_TOTAL_BYTES = 2 * 1024 * 1024;

const sizeOf = (text: string) => Buffer.byteLength(text, 'utf8') + 1;

function kib(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KiB`;
}

/** Checks the agent's command and environment against the kernel's limits for starting a program. */
export function checkExecSize(command: readonly string[] | undefined, env: ReadonlyArray<readonly [string, string]>) {
  const args = command ?? [];
  const tooLong = args.findIndex((arg) => sizeOf(arg) > MAX_STRING_BYTES);
  if (tooLong !== -1) {
    throw new UsageError(
      'COMMAND_TOO_LONG',
      `Argument ${tooLong + 1} of the agent's command is ${kib(sizeOf(args[tooLong]!))}: Linux takes at most 128 KiB per argument`,
      { hint: 'Put the text in a file in the workspace and pass its path instead' },
    );
  }
  const entry = env.find(([key, value]) => sizeOf(`${key}=${value}`) > MAX_STRING_BYTES);
  if (entry) {
    throw new UsageError(
      'INVALID_ENV',
      `The environment variable ${entry[0]} is ${kib(sizeOf(`${entry[0]}=${entry[1]}`))}: Linux takes at most 128 KiB per variable`,
      { hint: 'Put the value in a file in the workspace (or pass it with --secret NAME=@FILE) and read it from there' },
    );
  }
  const total = [...args, ...env.map(([key, value]) => `${key}=${value}`)].reduce(
    (sum, text) => sum + sizeOf(text) + 8,
    16,
  );
  if (total > MAX_TOTAL_BYTES) {
    throw new UsageError(
      'COMMAND_TOO_LONG',
      `The agent's command and environment come to ${kib(total)}: Linux starts a program with at most 2 MiB of them`,
      { hint: 'Put the longest arguments or values in files in the workspace and pass their paths instead' },
    );
  }
}
