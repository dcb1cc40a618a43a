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

/** Every command of agentctl, in the order `--help` lists them. Add a new command here. */
export const COMMANDS: ReadonlyArray<(program: Command, context: CommandContext) => void> = [
  registerVersion,
  registerConfig,
  registerStart,
  registerLs,
  registerStop,
  registerRestart,
  registerRm,
  registerPrune,
  registerDoctor,
  registerTrust,
  registerCompletion,
  registerLogs,
  registerExec,
  registerShell,
  registerAttach,
  registerDiff,
  registerMerge,
  registerApply,
  registerCp,
  registerStats,
  registerInspect,
  registerPort,
  registerPortForward,
  registerCode,
  registerImage,
  registerRun,
  registerWait,
];
