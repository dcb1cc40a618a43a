import type { CheckResult, DoctorDeps } from './check.js';
import { checkDisk } from './disk-check.js';
import { checkEngine, gatherEngineFacts } from './engine-check.js';
import { checkImage } from './image-check.js';
import { checkConfig, checkGit, checkSshAgent } from './local-checks.js';
import { checkSocket } from './socket-check.js';

export interface DoctorReport {
  /** false when any check failed (warnings do not count). */
  ok: boolean;
  checks: CheckResult[];
}

/** Runs every check; never throws for a failing check, the report says what failed. */
export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const [configCheck, git, sshAgent] = await Promise.all([checkConfig(deps), checkGit(deps), checkSshAgent(deps)]);
  const facts = await gatherEngineFacts(deps, configCheck.config);
  const [socket, image, disk] = await Promise.all([checkSocket(facts, deps), checkImage(facts, deps), checkDisk(facts, deps)]);
  const checks = [checkEngine(facts), socket, image, disk, configCheck.result, git, sshAgent];
  return { ok: checks.every((check) => check.status !== 'fail'), checks };
}
