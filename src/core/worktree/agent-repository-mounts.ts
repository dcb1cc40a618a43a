import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConflictError } from '../../shared/errors.js';
import { getObjectDirectories } from './agent-repository-files.js';

/** Where, inside the container, the agent's repository is mounted when the checkout's `.git` is a file. */
export const CONTAINER_GIT_DIR = '/run/agentctl/git';

/** Mounts that give the agent its repository: `[hostPath, containerPath, readOnly]`. */
export interface AgentRepositoryMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/**
 * The agent's repository over `<workspace>/.git` (or, where the checkout's `.git` is a file, a
 * read-only `.git` file naming CONTAINER_GIT_DIR, where the repository is), and the user's object
 * directories read-only at their host paths, where the alternates point.
 */
export async function getAgentRepositoryMounts(
  created: { state: { gitDir: string; gitFile: string }; repository: { commonDir: string } },
  workspaceTarget: string,
): Promise<AgentRepositoryMount[]> {
  const gitFile = existsSync(created.state.gitFile);
  const mounts: AgentRepositoryMount[] = gitFile
    ? [
        { source: created.state.gitFile, target: `${workspaceTarget}/.git`, readOnly: true },
        { source: created.state.gitDir, target: CONTAINER_GIT_DIR, readOnly: false },
      ]
    : [{ source: created.state.gitDir, target: `${workspaceTarget}/.git`, readOnly: false }];
  for (const objects of await getObjectDirectories(created.repository.commonDir)) {
    if (isSameOrInside(objects, workspaceTarget) || isSameOrInside(workspaceTarget, objects)) {
      throw new ConflictError(
        'WORKTREE_MOUNT_CONFLICT',
        `The repository's objects ${objects} collide with ${workspaceTarget} inside the container`,
        {
          hint: `Move the repository out of ${workspaceTarget} (or start with --read-only)`,
          details: { objects },
        },
      );
    }
    mounts.push({ source: objects, target: objects, readOnly: true });
  }
  return mounts;
}

function isSameOrInside(child: string, parent: string): boolean {
  const relative = path.posix.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.posix.isAbsolute(relative));
}
