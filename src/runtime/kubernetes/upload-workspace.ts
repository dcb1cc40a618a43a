import { execFile } from 'node:child_process';
import { EngineError, UsageError } from '../../shared/errors.js';
import type { ContainerExecResult } from './kube-streams.js';
import { UPLOAD_DIR } from './pod-spec.js';

// `kubernetes.workspace: upload`: the checkout's commit, with its history, goes to the agent's Pod
// through the API instead of being cloned from a remote the nodes reach. agentctl packs it here
// (git pack-objects: every object the commit needs), writes the pack into the clone init
// container, which waits for it (pod-spec.ts cloneScript), checks it with `index-pack --strict`
// and checks the commit out. Uncommitted changes are not sent, as with a clone.

/** The largest pack agentctl uploads (the commit and its whole history, compressed). */
export const UPLOAD_LIMIT_BYTES = 256 * 1024 * 1024;

/** The pack of `commit` and everything it needs, from the checkout at `path`. */
export async function packWorkspace(path: string, commit: string, env: NodeJS.ProcessEnv): Promise<Buffer> {
  const result = await new Promise<{ error: Error | null; stdout: Buffer; stderr: string }>((resolve) => {
    const child = execFile(
      'git',
      ['-C', path, 'pack-objects', '--stdout', '--revs', '--quiet'],
      {
        env: { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
        encoding: 'buffer',
        maxBuffer: UPLOAD_LIMIT_BYTES,
      },
      (error, stdout, stderr) => resolve({ error, stdout, stderr: stderr.toString('utf8') }),
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(`${commit}\n`);
  });
  if (result.error) {
    if (/maxBuffer/i.test(result.error.message)) {
      throw new UsageError(
        'WORKSPACE_TOO_LARGE',
        `The history of ${path} is larger than ${UPLOAD_LIMIT_BYTES / 1024 / 1024} MiB packed: too large to upload`,
        {
          hint: 'Push it to a remote the cluster can reach and use kubernetes.workspace: clone (the default)',
          details: { limitBytes: UPLOAD_LIMIT_BYTES },
        },
      );
    }
    throw new EngineError('WORKSPACE_UPLOAD_FAILED', `Could not pack ${path} for the upload: ${result.stderr.trim()}`, {
      hint: `Check the repository with \`git -C "${path}" status\``,
    });
  }
  return result.stdout;
}

/**
 * Writes the pack into the Pod's clone init container: exactly `pack.length` bytes are read (the
 * v4 exec protocol cannot say that stdin ended), counted, then `ready` tells the init step to go on.
 */
export async function uploadPack(
  exec: (command: string[], input: Buffer) => Promise<ContainerExecResult>,
  agent: string,
  pack: Buffer,
): Promise<void> {
  const script = [
    'set -e',
    `mkdir -p "${UPLOAD_DIR}"`,
    `head -c "$1" > "${UPLOAD_DIR}/pack.part"`,
    `[ "$(wc -c < "${UPLOAD_DIR}/pack.part")" -eq "$1" ]`,
    `mv "${UPLOAD_DIR}/pack.part" "${UPLOAD_DIR}/pack"`,
    `touch "${UPLOAD_DIR}/ready"`,
  ].join('\n');
  const result = await exec(['sh', '-c', script, 'agentctl-upload', String(pack.length)], pack);
  if (result.exitCode !== 0) {
    throw new EngineError(
      'WORKSPACE_UPLOAD_FAILED',
      `Could not upload the workspace of agent ${agent} (exit ${result.exitCode ?? 'unknown'})${result.stderr.trim() ? `: ${result.stderr.trim()}` : ''}`,
      {
        hint: 'Check that the image has sh, head and wc, and that the state volume has room; then start again',
        details: { agent },
      },
    );
  }
}
