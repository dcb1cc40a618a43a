import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/agentctl.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (undefined when it is not JSON). */
  json: any;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  timeout?: number;
  /** Start from an empty environment (plus PATH, HOME and what `env` sets). */
  cleanEnv?: boolean;
  bin?: string;
}

/** Runs the built agentctl as a user would: a separate process, real streams, real exit code. */
export async function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const baseEnv = options.cleanEnv ? { PATH: process.env.PATH, HOME: process.env.HOME } : { ...process.env };
  const result = await execa(options.bin ?? process.execPath, options.bin ? args : [BIN, ...args], {
    env: { ...baseEnv, NO_COLOR: '1', ...options.env },
    extendEnv: false,
    cwd: options.cwd,
    input: options.input ?? '',
    reject: false,
    timeout: options.timeout ?? 120_000,
  });
  let json: unknown;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    json = undefined;
  }
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, json };
}
