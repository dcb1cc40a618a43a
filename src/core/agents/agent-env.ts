import { UsageError } from '../../shared/errors.js';
import { InputFileError, readInputFile } from './input-file.js';

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function badKey(entry: string, where: string): UsageError {
  return new UsageError('INVALID_ENV', `Invalid environment entry "${entry.split('=')[0]}" ${where}`, {
    hint: 'Use --env KEY=VALUE, or --env KEY to pass the host value; keys start with a letter or "_"',
  });
}

/** One `--env` entry: KEY=VALUE, or KEY taken from the host (skipped when unset, like docker). */
export function parseEnvEntry(
  entry: string,
  hostEnv: NodeJS.ProcessEnv,
  where = 'in --env',
): [string, string] | undefined {
  const index = entry.indexOf('=');
  const key = index === -1 ? entry : entry.slice(0, index);
  if (!KEY_PATTERN.test(key)) throw badKey(entry, where);
  if (index !== -1) return [key, entry.slice(index + 1)];
  const value = hostEnv[key];
  return value === undefined ? undefined : [key, value];
}

/** Lines of an env file: KEY=VALUE or KEY, `#` comments and blank lines ignored (docker's format). */
export function parseEnvFile(text: string, hostEnv: NodeJS.ProcessEnv, file: string): [string, string][] {
  const out: [string, string][] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.replace(/^\s+/, '');
    if (!trimmed || trimmed.startsWith('#')) return;
    // No process can be given a NUL in its environment; the runtime would refuse at start.
    if (trimmed.includes('\0')) {
      throw new UsageError('INVALID_ENV', `The env file ${file} has a NUL byte at line ${index + 1}`, {
        hint: 'An environment value cannot hold a NUL byte: fix that line (is it a binary file?)',
      });
    }
    const pair = parseEnvEntry(trimmed, hostEnv, `at ${file}:${index + 1}`);
    if (pair) out.push(pair);
  });
  return out;
}

/** Reads an env file: a regular file of at most 1 MiB (a FIFO or /dev/zero is refused, never read). */
export async function readEnvFile(file: string, hostEnv: NodeJS.ProcessEnv): Promise<[string, string][]> {
  let text: string;
  try {
    text = (await readInputFile(file)).toString('utf8');
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    const fix =
      error.problem.kind === 'unreadable'
        ? 'Check the path given to --env-file'
        : 'Give --env-file a regular file of KEY=VALUE lines (at most 1 MiB)';
    throw new UsageError('ENV_FILE_UNREADABLE', `Cannot read the env file ${file}: ${error.message}`, {
      hint: fix,
      cause: error,
    });
  }
  return parseEnvFile(text, hostEnv, file);
}
