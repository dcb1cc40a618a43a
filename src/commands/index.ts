import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { registerConfig } from './config.js';
import { registerDoctor } from './doctor.js';
import { registerCompletion } from './completion.js';
import { registerVersion } from './version.js';
import { registerStart } from './start.js';
import { registerLs } from './ls.js';
import { registerStop } from './stop.js';
import { registerRestart } from './restart.js';
import { registerRm } from './rm.js';
import { registerPrune } from './prune.js';
import { registerLogs } from './logs.js';
import { registerExec } from './exec.js';
import { registerShell } from './shell.js';
import { registerAttach } from './attach.js';
import { registerDiff } from './diff.js';
import { registerMerge } from './merge.js';
import { registerApply } from './apply.js';
import { registerCp } from './cp.js';
import { registerStats } from './stats.js';
import { registerInspect } from './inspect.js';
import { registerPort } from './port.js';
import { registerPortForward } from './port-forward.js';
import { registerCode } from './code.js';
import { registerImage } from './image.js';
import { registerRun } from './run.js';
import { registerWait } from './wait.js';
import { registerTrust } from './trust.js';

type Register = (program: Command, context: CommandContext) => void;

/**
 * Every command of agentctl, in the order `--help` lists them, each with the command word its
 * register function adds (src/cli.ts registers only the command being run when it can: building
 * the whole tree costs ~5 ms of every run). Add a new command here.
 */
export const COMMANDS: ReadonlyArray<readonly [name: string, register: Register]> = [
  ['version', registerVersion],
  ['config', registerConfig],
  ['start', registerStart],
  ['ls', registerLs],
  ['stop', registerStop],
  ['restart', registerRestart],
  ['rm', registerRm],
  ['prune', registerPrune],
  ['doctor', registerDoctor],
  ['trust', registerTrust],
  ['completion', registerCompletion],
  ['logs', registerLogs],
  ['exec', registerExec],
  ['shell', registerShell],
  ['attach', registerAttach],
  ['diff', registerDiff],
  ['merge', registerMerge],
  ['apply', registerApply],
  ['cp', registerCp],
  ['stats', registerStats],
  ['inspect', registerInspect],
  ['port', registerPort],
  ['port-forward', registerPortForward],
  ['code', registerCode],
  ['image', registerImage],
  ['run', registerRun],
  ['wait', registerWait],
];
