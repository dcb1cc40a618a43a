import { randomBytes } from 'node:crypto';
import type { AgentProfile } from '../../config/schema.js';
import { NotFoundError, UsageError, isAgentctlError } from '../../shared/errors.js';
import { LABELS } from '../../shared/labels.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import { HOME_PATH } from './agent-spec.js';

/** Where `start --continue` leaves its request (read only by the launcher below). */
export const RESUME_REQUEST_DIR = '/run/agentctl-resume';
const RESUME_REQUEST = `${RESUME_REQUEST_DIR}/request`;
const RESUME_DONE = `${HOME_PATH}/.agentctl-resumed`;

/**
 * The container command of a resumable agent: a POSIX sh launcher that runs the interactive
 * command, or the resume command when `start --continue` left a request it has not answered yet.
 * A container's command is fixed when it is created, so the choice is made at each start, inside;
 * the request is a nonce (answered ones are recorded in the home), so it also works where the
 * request file cannot be removed (a Kubernetes Secret).
 */
export const LAUNCHER = `n=$1; shift
if [ -r ${RESUME_REQUEST} ] && [ "$(cat ${RESUME_REQUEST})" != "$(cat ${RESUME_DONE} 2>/dev/null)" ]; then
  cat ${RESUME_REQUEST} > ${RESUME_DONE} || true
  shift "$n"
  exec "$@"
fi
total=$#; i=0
for arg do
  if [ "$i" -lt "$n" ]; then set -- "$@" "$arg"; fi
  i=$((i + 1))
done
shift "$total"
exec "$@"`;

/** The launcher's argv, and the label that marks the agent as resumable. */
export function resumableCommand(
  interactive: string[],
  profile: AgentProfile,
): { command: string[]; labels: Record<string, string> } {
  return {
    command: [
      '/bin/sh',
      '-c',
      LAUNCHER,
      'agentctl-launch',
      String(interactive.length),
      ...interactive,
      ...profile.resumeCommand!,
    ],
    labels: { [LABELS.resume]: profile.sessions ?? '-' },
  };
}

/** Whether a new agent of this profile gets the launcher (its profile can resume, no command of its own). */
export function canResume(profile: AgentProfile | undefined): profile is AgentProfile {
  return Boolean(profile?.resumeCommand && profile.resumeCommand.length > 0);
}

/** RESUME_UNSUPPORTED (usage, exit 2). */
export function resumeUnsupported(name: string, why: string): UsageError {
  return new UsageError('RESUME_UNSUPPORTED', `Agent ${name} cannot continue a session: ${why}`, {
    hint: `Start it without --continue (\`agentctl start ${name}\`); a profile resumes with agents.<profile>.resumeCommand (docs/agents.md)`,
  });
}

/**
 * Asks the launcher of agent `id` to resume at its next start: checks that the agent is resumable
 * and has a session (where its profile keeps them, read through the archive API: nothing runs),
 * then copies a fresh request in. SESSION_NOT_FOUND (exit 7) when there is none to resume.
 */
export async function requestResume(
  runtime: ContainerRuntime,
  agent: { name: string; id: string; labels: Readonly<Record<string, string>> },
): Promise<void> {
  const sessions = agent.labels[LABELS.resume];
  if (sessions === undefined) {
    throw resumeUnsupported(
      agent.name,
      'it was created without a resume command (a command of its own, or a profile without resumeCommand)',
    );
  }
  if (sessions !== '-') {
    const path = `${HOME_PATH}/${sessions}`;
    const found = await runtime.archive.fetchPathStat(agent.id, path).catch((error: unknown) => {
      // A backend without the archive API (Kubernetes): the agent's CLI says so itself.
      if (isAgentctlError(error) && error.code === 'KUBERNETES_UNSUPPORTED') return true;
      throw error;
    });
    if (!found) {
      throw new NotFoundError(
        'SESSION_NOT_FOUND',
        `Agent ${agent.name} has no session to continue (nothing at ${path})`,
        {
          hint: `Start it without --continue: \`agentctl start ${agent.name}\``,
          details: { agent: agent.name, path },
        },
      );
    }
  }
  await runtime.copyFiles(agent.id, {
    dir: RESUME_REQUEST_DIR,
    mode: 0o700,
    files: [{ name: 'request', mode: 0o600, content: Buffer.from(randomBytes(16).toString('hex')) }],
  });
}
