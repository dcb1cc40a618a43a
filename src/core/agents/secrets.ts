import { UsageError } from '../../shared/errors.js';
import { InputFileError, readInputFile } from './input-file.js';
import type { AgentFiles } from '../../runtime/agent-spec.js';

export const SECRETS_DIR = '/run/secrets';
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Secret {
  name: string;
  value: Buffer;
  /** Where the value came from, for messages (never the value). */
  source: string;
}

/**
 * Secrets from `--secret NAME` (host environment) and `--secret NAME=@FILE`, then the names config
 * offers (taken only when the host has them). Every value is handed to `register` (the output
 * masker) as soon as it is read.
 */
export async function resolveSecrets(
  flags: string[],
  offered: string[],
  hostEnv: NodeJS.ProcessEnv,
  register: (value: string) => void,
): Promise<Secret[]> {
  const secrets = new Map<string, Secret>();
  for (const flag of flags) {
    const index = flag.indexOf('=');
    const name = index === -1 ? flag : flag.slice(0, index);
    const spec = index === -1 ? undefined : flag.slice(index + 1);
    if (!NAME_PATTERN.test(name)) {
      throw new UsageError('INVALID_SECRET', `Invalid secret name "${name}"`, {
        hint: 'Use --secret NAME (from the host environment) or --secret NAME=@FILE; names are letters, digits and "_"',
      });
    }
    if (spec !== undefined && !spec.startsWith('@')) {
      throw new UsageError(
        'INVALID_SECRET',
        `Secret ${name}: give a file as NAME=@FILE, not a value on the command line`,
        {
          hint: `Put the value in a file and use --secret ${name}=@FILE, or export ${name} and use --secret ${name}`,
        },
      );
    }
    if (spec !== undefined) {
      const file = spec.slice(1);
      let value: Buffer;
      try {
        value = await readInputFile(file);
      } catch (error) {
        if (!(error instanceof InputFileError)) throw error;
        const fix =
          error.problem.kind === 'unreadable'
            ? `Check the path in --secret ${name}=@FILE`
            : `Give --secret ${name}=@FILE a regular file (at most 1 MiB)`;
        throw new UsageError('SECRET_FILE_UNREADABLE', `Cannot read the file for secret ${name}: ${error.message}`, {
          hint: fix,
          cause: error,
        });
      }
      // As with an empty variable: an empty key is a mistake that would surface only inside the agent.
      if (value.toString('utf8').trim() === '') {
        throw new UsageError('SECRET_MISSING', `Secret ${name}: the file ${file} is empty`, {
          hint: `Put the value in ${file}, or export ${name} and use --secret ${name}`,
        });
      }
      register(value.toString('utf8'));
      register(value.toString('utf8').trim());
      secrets.set(name, { name, value, source: file });
      continue;
    }
    const value = hostEnv[name];
    if (value === undefined || value.trim() === '') {
      throw new UsageError(
        'SECRET_MISSING',
        `Secret ${name} is ${value === undefined ? 'not set' : 'empty'} in the environment`,
        {
          hint: `Export ${name} first, or read it from a file with --secret ${name}=@FILE`,
        },
      );
    }
    register(value);
    secrets.set(name, { name, value: Buffer.from(value), source: 'environment' });
  }
  for (const name of offered) {
    const value = hostEnv[name];
    if (secrets.has(name) || !NAME_PATTERN.test(name) || value === undefined || value.trim() === '') continue;
    register(value);
    secrets.set(name, { name, value: Buffer.from(value), source: 'environment (config)' });
  }
  return [...secrets.values()];
}

/** `<NAME>_FILE=/run/secrets/<NAME>` for each secret: the variable the agent reads. */
export function secretFileEnv(secrets: Secret[]): [string, string][] {
  return secrets.map((secret) => [`${secret.name}_FILE`, `${SECRETS_DIR}/${secret.name}`]);
}

/** The files in place at start: /run/secrets, readable only by the agent's user. */
export function secretFiles(secrets: Secret[]): AgentFiles[] {
  if (secrets.length === 0) return [];
  return [
    {
      dir: SECRETS_DIR,
      mode: 0o500,
      files: secrets.map((secret) => ({ name: secret.name, mode: 0o400, content: secret.value })),
    },
  ];
}
