import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../shared/errors.js';
import { getGitFor } from '../worktree/agent-worktrees.js';
import { findRepository, type Repository } from '../worktree/find-repository.js';
import type { GitRunner } from '../worktree/git.js';
import type { AgentWork, ReviewDeps } from './agent-work.js';

/**
 * The user's checkout that `cwd` is in, for merge and apply: it must be a checkout of the agent's
 * repository, and not a directory agentctl made for an agent (those are the agent's, and git run
 * there would read what the agent wrote).
 */
export async function findUserCheckout(
  deps: ReviewDeps,
  work: AgentWork,
  cwd: string,
  agentDirectories: readonly string[],
  command: string,
): Promise<{ repository: Repository; git: GitRunner; sharesAgentFiles: boolean }> {
  const here = await realpath(cwd).catch(() => path.resolve(cwd));
  for (const dir of agentDirectories) {
    const root = await realpath(dir).catch(() => path.resolve(dir));
    if (isSameOrInside(here, root)) {
      throw new UsageError(
        'CHECKOUT_IS_AGENTS',
        `${here} holds agents' files: agentctl ${command} runs only in your own checkout`,
        {
          hint: `cd into your checkout of the repository (${displayCheckout(work.location.commonDir)}) and run \`agentctl ${command} ${work.agent}\` there`,
          details: { cwd: here },
        },
      );
    }
  }
  const git = await getGitFor(deps.worktrees, here);
  const repository = await findRepository(git, here);
  if (!repository) {
    throw new UsageError('NOT_A_GIT_REPOSITORY', `${here} is not in a git checkout`, {
      hint: `cd into your checkout of the repository (${displayCheckout(work.location.commonDir)}) and run \`agentctl ${command} ${work.agent}\` there`,
    });
  }
  const commonDir = await realpath(repository.commonDir).catch(() => repository.commonDir);
  const agentCommonDir = await realpath(work.location.commonDir).catch(() => work.location.commonDir);
  if (commonDir !== agentCommonDir) {
    throw new UsageError(
      'AGENT_OTHER_REPOSITORY',
      `Agent "${work.agent}" works on the repository ${displayCheckout(agentCommonDir)}, not on this one (${repository.checkout})`,
      {
        hint: `cd into a checkout of ${displayCheckout(agentCommonDir)} and run \`agentctl ${command} ${work.agent}\` there`,
        details: { agentRepository: agentCommonDir, repository: commonDir },
      },
    );
  }
  const checkout = await realpath(repository.checkout).catch(() => repository.checkout);
  const files = await realpath(work.workTree).catch(() => work.workTree);
  return { repository, git, sharesAgentFiles: work.mode === 'checkout' && checkout === files };
}

/** `/x/repo/.git` → `/x/repo`: where a user knows the repository from. */
function displayCheckout(commonDir: string): string {
  return path.basename(commonDir) === '.git' ? path.dirname(commonDir) : commonDir;
}

function isSameOrInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
