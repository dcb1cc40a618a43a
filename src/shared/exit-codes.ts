import type { ErrorKind } from './errors.js';

/**
 * The exit codes of agentctl, one per error kind. docs/exit-codes.md documents this table and a
 * test keeps the two in step. Commands that pass an agent's own exit code through (exec, attach,
 * run, wait) exit with that code when agentctl itself did not fail.
 */
export const EXIT_CODES: Readonly<Record<ErrorKind | 'ok', { code: number; meaning: string }>> = {
  ok: { code: 0, meaning: 'Success.' },
  internal: { code: 1, meaning: 'Unexpected internal error (a bug): rerun with --verbose and report it.' },
  usage: { code: 2, meaning: 'Invalid command line: unknown flag, bad argument or value.' },
  config: { code: 3, meaning: 'Invalid configuration: a config file cannot be parsed or does not match the schema.' },
  'runtime-not-found': { code: 4, meaning: 'No container engine (Docker or Podman) could be reached.' },
  engine: { code: 5, meaning: 'The container engine refused or failed an operation.' },
  image: { code: 6, meaning: 'The agent image could not be found, pulled or built.' },
  'not-found': { code: 7, meaning: 'The named agent (or other object) does not exist.' },
  conflict: { code: 8, meaning: 'Conflicts with existing state: name taken, agent running, checkout in use.' },
  unsafe: {
    code: 9,
    meaning: 'Refused because work would be lost (uncommitted or unmerged changes); use --force to override.',
  },
  'check-failed': { code: 10, meaning: '`agentctl doctor` found at least one failing check.' },
  untrusted: {
    code: 11,
    meaning:
      'A project config file sets keys that can loosen confinement and is not trusted: review it, then run `agentctl trust FILE`.',
  },
  resources: {
    code: 12,
    meaning: 'This machine lacks what the command needs: no space left on the disk agentctl writes to.',
  },
  'no-changes': {
    code: 13,
    meaning: '`run --require-changes`: the agent exited 0 but changed nothing (no commits, no uncommitted files).',
  },
  timeout: { code: 124, meaning: 'A timeout expired (`run --timeout`, `wait --timeout`, `start --wait-timeout`).' },
  cancelled: { code: 130, meaning: 'Interrupted by SIGINT (Ctrl-C); anything half-made was cleaned up.' },
  terminated: { code: 143, meaning: 'Stopped by SIGTERM; anything half-made was cleaned up.' },
};

export function exitCodeFor(kind: ErrorKind): number {
  return EXIT_CODES[kind].code;
}
