import type { CheckResult, DoctorDeps, EngineFacts } from './check.js';
import { checkDisk } from './disk-check.js';
import { checkEgress } from './egress-check.js';
import { checkEngine, gatherEngineFacts } from './engine-check.js';
import { checkImage } from './image-check.js';
import { checkLimits, checkWorkspaceAccess, getAgentUserHere } from './agent-access-check.js';
import { checkConfig, checkGit, checkSshAgent } from './local-checks.js';
import { checkSocket } from './socket-check.js';
import { DEFAULTS } from '../../config/defaults.js';
import { parseMemory } from '../agents/limits.js';

export interface DoctorReport {
  /** false when any check failed (warnings do not count). */
  ok: boolean;
  checks: CheckResult[];
}

/** Runs every check; never throws for a failing check, the report says what failed. */
export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const [configCheck, git] = await Promise.all([checkConfig(deps), checkGit(deps)]);
  const facts = await gatherEngineFacts(deps, configCheck.config);
  // Who an agent started here would be: whether it could write this directory and use the ssh-agent.
  const agentUser = await getAgentUserHere(facts, deps);
  const [socket, image, disk, backend, workspace, sshAgent, egress] = await Promise.all([
    checkSocket(facts, deps),
    checkImage(facts, deps),
    checkDisk(facts, deps),
    backendChecks(facts),
    deps.cwd ? checkWorkspaceAccess(agentUser, deps) : undefined,
    checkSshAgent(deps, agentUser),
    checkEgress(facts, deps),
  ]);
  const checks = [
    checkEngine(facts),
    ...backend,
    socket,
    image,
    disk,
    checkLimits(facts),
    egress,
    ...(workspace ? [workspace] : []),
    configCheck.result,
    git,
    sshAgent,
  ];
  return { ok: checks.every((check) => check.status !== 'fail'), checks };
}

/** The checks the backend itself offers (none for Docker and Podman; namespace and permissions on Kubernetes). */
async function backendChecks(facts: EngineFacts): Promise<CheckResult[]> {
  const runtime = facts.connected?.runtime;
  if (!runtime?.diagnose) return [];
  try {
    return await runtime.diagnose(defaultAgentSize(facts));
  } catch (error) {
    return [
      {
        id: 'backend',
        title: 'Backend checks',
        status: 'fail',
        message: (error as Error).message,
        fix: 'Run `agentctl doctor --verbose` again',
      },
    ];
  }
}

/** The limits of an agent started with the config's defaults (the built-in ones when the config is unusable). */
function defaultAgentSize(facts: EngineFacts): { cpus: number; memoryBytes: number } {
  const resources = facts.config?.config.resources ?? DEFAULTS.resources;
  let memoryBytes: number;
  try {
    memoryBytes = parseMemory(String(resources.memory ?? DEFAULTS.resources.memory));
  } catch {
    memoryBytes = parseMemory(DEFAULTS.resources.memory);
  }
  return { cpus: Number(resources.cpus ?? DEFAULTS.resources.cpus), memoryBytes };
}
