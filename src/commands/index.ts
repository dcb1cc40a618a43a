import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { registerConfig } from './config.js';
import { registerVersion } from './version.js';

/** Every command of agentctl, in the order `--help` lists them. Add a new command here. */
export const COMMANDS: ReadonlyArray<(program: Command, context: CommandContext) => void> = [
  registerVersion,
  registerConfig,
];
