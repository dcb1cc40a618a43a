import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { egressUnregister } from './egress-unregister.js';

export function registerRm(program: Command, context: CommandContext): void {
  program
    .command('rm')
    .description('Remove agents (refuses a running one without --force)')
    .argument('[names...]', 'agents to remove')
    .option('-a, --all', 'remove every agent')
    .option(
      '-f, --force',
      'also remove running agents (killed at once), and worktrees with uncommitted or unmerged work',
    )
    .option('--keep-branch', "keep the agent's branch (and its commits) in your repository")
    .option(
      '--volumes',
      "also delete each agent's home volume (its login, history, settings; on Kubernetes also its workspace clone: refused without --force)",
    )
    .addHelpText('after', '\nExamples:\n  $ agentctl rm fixer\n  $ agentctl rm --all --force --volumes')
    .action(
      async (names: string[], flags: { all?: boolean; force?: boolean; volumes?: boolean; keepBranch?: boolean }) => {
        const { removeAgents } = await import('../core/agents/remove-agent.js');
        const { checkSelection } = await import('../core/agents/stop-agent.js');
        const selection = {
          names,
          all: Boolean(flags.all),
          force: Boolean(flags.force),
          volumes: Boolean(flags.volumes),
          keepBranch: Boolean(flags.keepBranch),
        };
        checkSelection(selection, 'rm');
        const processUser =
          typeof process.getuid === 'function' ? { uid: process.getuid(), gid: process.getgid!() } : undefined;
        const runtime = await context.runtime();
        // The engine on this machine (a unix socket): a removed agent's process is looked for in /proc.
        const local = process.platform === 'linux' && runtime.endpoint.url.startsWith('unix://');
        const processProbe = local
          ? (await import('../core/agents/container-process.js')).createLocalProcessProbe()
          : undefined;
        const removed = await removeAgents(
          {
            runtime,
            worktrees: { env: context.env, processUser },
            ...(processProbe ? { processProbe } : {}),
            unregisterEgress: egressUnregister(runtime, (message) => context.io.warn(message)),
            clones: !runtime.capabilities.bindMounts,
            saveWork: async (name) => {
              const { saveClonedWork } = await import('../core/review/cloned-work.js');
              return saveClonedWork({ runtime, worktrees: { env: context.env, processUser } }, name);
            },
          },
          selection,
        );
        if (context.globals.json) {
          context.io.writeJson({ ok: true, removed });
          return;
        }
        for (const result of removed) {
          context.io.out(result.name);
          if (result.savedWork && 'ref' in result.savedWork)
            context.io.info(
              `kept its work in your repository: ${result.savedWork.ref} (${result.savedWork.commit.slice(0, 12)}; \`git log ${result.savedWork.ref}\`)`,
            );
          else if (result.savedWork) context.io.warn(`could not keep its work: ${result.savedWork.error}`);
          if (result.volume) context.io.info(`removed volume ${result.volume}`);
          if (result.worktree) {
            const { path, branch, deletedBranch, branchExisted, branchKeptReason, dropped } = result.worktree;
            const what = path ? `worktree ${path}` : "the agent's repository";
            const kept = !branchExisted
              ? `(its branch ${branch} was already gone)`
              : branchKeptReason
                ? `(kept branch ${branch}: ${branchKeptReason})`
                : `(kept branch ${branch})`;
            context.io.info(`removed ${what} ${deletedBranch ? `and branch ${branch}` : kept}`);
            if (dropped.length > 0)
              context.io.warn(
                `dropped ${dropped.length} commit(s); until git gc, \`git branch rescue <sha>\` brings one back: ${dropped.join(' ')}`,
              );
          }
        }
      },
    );
}
